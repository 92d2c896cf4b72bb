import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { seedDemo } from "@oncely/db";
import { createTestDatabase, type TestDatabase } from "@oncely/db/testing";
import { databaseSnapshot } from "@oncely/idempotency/testing";
import { afterAll, beforeAll, expect } from "vitest";
import { checkInvariants } from "../src/domain/invariants";
import { createNodeHandler, type NodeHandlerOptions } from "../src/http/handlers";

export interface CallOptions {
  apiKey?: string | null;
  idempotencyKey?: string | null;
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  headers: Headers;
  body: string;
  json: any;
}

export interface TestApi {
  url: string;
  database: TestDatabase;
  /** Tenant ids of the seeded demo principals. */
  principals: { alice: string; bob: string };
  /** POSTs a mutation as plain JSON, like curl would. */
  mutate: (path: string, input: unknown, options?: CallOptions) => Promise<CallResult>;
  /** GETs a query as plain JSON. */
  query: (path: string, input?: unknown, options?: CallOptions) => Promise<CallResult>;
  count: (table: string) => Promise<number>;
  close: () => Promise<void>;
}

/** A fresh database (seeded with alice and bob) behind a real HTTP server on loopback. */
export async function startTestApi(options: Omit<NodeHandlerOptions, "db"> = {}): Promise<TestApi> {
  const database = await createTestDatabase();
  await seedDemo(database.db);
  const server = http.createServer(createNodeHandler({ db: database.db, ...options }));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/trpc`;

  const send = async (request: Request): Promise<CallResult> => {
    const response = await fetch(request);
    const body = await response.text();
    return { status: response.status, headers: response.headers, body, json: JSON.parse(body) };
  };
  const headersFor = (options: CallOptions) => {
    const headers = new Headers(options.headers);
    const apiKey = options.apiKey === undefined ? "sk_test_alice" : options.apiKey;
    if (apiKey !== null) headers.set("authorization", `Bearer ${apiKey}`);
    if (options.idempotencyKey != null) headers.set("idempotency-key", options.idempotencyKey);
    return headers;
  };

  const rows = await database.sql<{ name: string; id: string }[]>`SELECT name, id FROM principals`;
  const principals = Object.fromEntries(rows.map((r) => [r.name, r.id])) as TestApi["principals"];

  return {
    url,
    database,
    principals,
    mutate: (path, input, options = {}) => {
      const headers = headersFor(options);
      headers.set("content-type", "application/json");
      return send(new Request(`${url}/${path}`, { method: "POST", headers, body: JSON.stringify(input) }));
    },
    query: (path, input, options = {}) => {
      const search = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`;
      return send(new Request(`${url}/${path}${search}`, { headers: headersFor(options) }));
    },
    count: async (table) => {
      const [row] = await database.sql.unsafe(`SELECT count(*)::int AS n FROM ${table}`);
      return row?.n as number;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await database.drop();
    },
  };
}

/** The id of one of alice's (or bob's) customer accounts. */
export async function customerAccountId(api: TestApi, principal: "alice" | "bob" = "alice"): Promise<string> {
  const [row] = await api.database.sql<{ id: string }[]>`
    SELECT id FROM accounts WHERE principal_id = ${api.principals[principal]} AND kind = 'customer'
    ORDER BY name LIMIT 1`;
  if (!row) throw new Error(`no customer account for ${principal}`);
  return row.id;
}

export type PrincipalName = "alice" | "bob";

/** Options for calling as one of the demo principals. */
export const as = (principal: PrincipalName, options: CallOptions = {}): CallOptions => ({
  apiKey: `sk_test_${principal}`,
  ...options,
});

export interface DemoAccounts {
  merchant: string;
  checking: string;
  savings: string;
  equity: string;
}

/** The seeded accounts of a demo principal, by role. */
export async function accountsOf(api: TestApi, principal: PrincipalName): Promise<DemoAccounts> {
  const rows = await api.database.sql<{ id: string; kind: string; name: string }[]>`
    SELECT id, kind, name FROM accounts WHERE principal_id = ${api.principals[principal]}`;
  const find = (predicate: (r: { kind: string; name: string }) => boolean) => {
    const row = rows.find(predicate);
    if (!row) throw new Error(`missing seeded account for ${principal}`);
    return row.id;
  };
  return {
    merchant: find((r) => r.kind === "merchant"),
    checking: find((r) => r.name.endsWith("Checking")),
    savings: find((r) => r.name.endsWith("Savings")),
    equity: find((r) => r.kind === "equity"),
  };
}

/** The answer's data, after asserting it was a 200. */
export function dataOf(result: CallResult): any {
  if (result.status !== 200) throw new Error(`expected 200, got ${result.status}: ${result.body}`);
  return result.json.result.data;
}

export async function balanceOf(api: TestApi, accountId: string): Promise<number> {
  const [row] = await api.database.sql<
    { balance: string }[]
  >`SELECT balance::text FROM accounts WHERE id = ${accountId}`;
  if (!row) throw new Error(`no account ${accountId}`);
  return Number(row.balance);
}

/** Creates an order (fresh key) and returns it. */
export async function createOrder(
  api: TestApi,
  input: { accountId: string; amount: number; currency?: string; description?: string },
  principal: PrincipalName = "alice",
) {
  const response = await api.mutate(
    "orders.create",
    { currency: "USD", ...input },
    as(principal, { idempotencyKey: randomUUID() }),
  );
  return dataOf(response);
}

/** Creates and pays an order (fresh keys); returns the payment. */
export async function createPayment(
  api: TestApi,
  input: { accountId: string; amount: number },
  principal: PrincipalName = "alice",
) {
  const order = await createOrder(api, input, principal);
  const response = await api.mutate(
    "payments.create",
    { orderId: order.id },
    as(principal, { idempotencyKey: randomUUID() }),
  );
  return dataOf(response);
}

/** Every row of every table (replay bookkeeping aside), for "nothing changed" assertions. */
export const snapshotOf = (api: TestApi, options: { ignoreTables?: string[] } = {}) =>
  databaseSnapshot(api.database.db).then((snapshot) => {
    for (const table of options.ignoreTables ?? []) delete snapshot[table];
    return snapshot;
  });

/** What a client sees of a call: for assertIdempotent, which compares answers. */
export const visible = (result: CallResult) => ({ status: result.status, body: result.body });

/**
 * A fresh seeded API for this test file, handed to `ready` before the tests run, and the
 * ledger invariants checked once they are done: `useLedgerApi((t) => ({ api, alice } = t))`.
 */
export function useLedgerApi(ready: (started: { api: TestApi; alice: DemoAccounts }) => void): void {
  let api: TestApi | undefined;
  beforeAll(async () => {
    api = await startTestApi();
    ready({ api, alice: await accountsOf(api, "alice") });
  });
  afterAll(async () => {
    if (!api) return;
    expect(await checkInvariants(api.database.db)).toEqual([]);
    await api.close();
  });
}
