import http from "node:http";
import type { AddressInfo } from "node:net";
import { seedDemo } from "@oncely/db";
import { createTestDatabase } from "@oncely/db/testing";
import type { IdempotencyOptions } from "../src/index";
import { createTestHandler, type Faults, type TestRouterOptions } from "./fixtures/testRouter";

/**
 * A minimal router using the plugin, served over real HTTP on a fresh database: the
 * middleware is tested without the demo domain. `principal` comes from a test header.
 */
export async function startTestServer(
  options: IdempotencyOptions = {},
  extra: Pick<TestRouterOptions, "phased" | "processorUrl"> = {},
) {
  const database = await createTestDatabase();
  await seedDemo(database.db);
  const faults: Faults = { throwAfterInsert: 0, holdMs: 0, killConnection: 0, lockAccount: false };
  let executions = 0;

  const principals = Object.fromEntries(
    (await database.sql<{ name: string; id: string }[]>`SELECT name, id FROM principals`).map((p) => [p.name, p.id]),
  ) as { alice: string; bob: string };
  const accounts = Object.fromEntries(
    (
      await database.sql<{ name: string; id: string }[]>`
        SELECT p.name, min(a.id::text) AS id FROM accounts a JOIN principals p ON p.id = a.principal_id
        WHERE a.kind = 'customer' GROUP BY p.name`
    ).map((a) => [a.name, a.id]),
  ) as { alice: string; bob: string };

  const server = http.createServer(
    createTestHandler({
      db: database.db,
      principals,
      idempotency: options,
      ...extra,
      faults,
      onExecute: () => {
        executions++;
      },
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/trpc`;
  const callPath = async (path: string, input: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const response = await fetch(`${url}/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(input),
    });
    const body = await response.text();
    return { status: response.status, headers: response.headers, body, json: JSON.parse(body) };
  };

  return {
    database,
    faults,
    principals,
    accounts,
    executions: () => executions,
    call: (input: Record<string, unknown>, headers: Record<string, string> = {}) =>
      callPath("createOrder", input, headers),
    callPath,
    url,
    count: async (table: "orders" | "idempotency_keys") =>
      (await database.sql.unsafe(`SELECT count(*)::int AS n FROM ${table}`))[0]?.n as number,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await database.drop();
    },
  };
}

export type TestServer = Awaited<ReturnType<typeof startTestServer>>;
