import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFetchHandler, MAX_BODY_BYTES } from "../src/http/handlers";
import { appRouter } from "../src/root";
import { accountsOf, createOrder, createPayment, snapshotOf, startTestApi, type TestApi } from "./harness";
import {
  type BadKey,
  badAuthorization,
  badIdempotencyKey,
  fetchCanCarry,
  hostileText,
  malformedJson,
  oddCase,
  wrongTypes,
} from "./hostileInputs";
import { type RawAnswer, rawRequest } from "./rawHttp";

/**
 * Hostile input, property-based, against every procedure: malformed JSON, wrong types, bodies
 * over the size limit, bad idempotency keys and absent or wrong API keys. Requests go over a
 * bare socket to the Node handler (so nothing a client library refuses to send is spared)
 * and as `Request`s to the fetch handler. Every answer must be a 4xx without a stack trace,
 * and the database must be exactly as before: not one row written, not even a key.
 *
 * Inputs are otherwise valid where it matters: the bad-key and bad-auth properties send
 * input that WOULD write if the refusal were missing, so a missed check changes the snapshot.
 */

let api: TestApi;
let port: number;
let fetchHandler: (req: Request) => Promise<Response>;
/** For each procedure: an input it accepts (a mutation with it writes). */
let validInput: Record<string, unknown>;

// The router's flat record of procedures by path (typed as nested routers, hence the cast).
type ProcedureDef = { _def: { type: string; inputs: unknown[] } };
const flatProcedures = Object.entries(appRouter._def.procedures as unknown as Record<string, ProcedureDef>);
const procedures = flatProcedures.map(([path, procedure]) => ({
  path,
  kind: procedure._def.type as "query" | "mutation",
}));
/** Procedures without an input parser never read the input (accounts.list): any is ignored. */
const takesNoInput = new Set(flatProcedures.filter(([, p]) => p._def.inputs.length === 0).map(([path]) => path));
const mutations = procedures.filter((p) => p.kind === "mutation");
/** Mutations that read an Idempotency-Key (required, or optional like orders.updateShipping). */
const KEYED = ["orders.create", "orders.updateShipping", "payments.create", "refunds.create", "transfers.create"];
/** Mutations that ignore the header: naturally idempotent (cancel), or the demo's in-memory chaos settings. */
const UNKEYED = ["orders.cancel", "chaos.set"];
const keyedMutations = mutations.filter((p) => KEYED.includes(p.path));
const address = { name: "A", line1: "1 Road", line2: "Flat 2", city: "Town", postalCode: "1000", country: "NL" };

beforeAll(async () => {
  api = await startTestApi();
  port = Number(new URL(api.url).port);
  fetchHandler = createFetchHandler({ db: api.database.db, endpoint: "/api/trpc" });
  const alice = await accountsOf(api, "alice");
  const unpaid = await createOrder(api, { accountId: alice.checking, amount: 500 });
  const cancellable = await createOrder(api, { accountId: alice.checking, amount: 600 });
  const payment = await createPayment(api, { accountId: alice.checking, amount: 700 });
  const transfer = (
    await api.mutate(
      "transfers.create",
      { fromAccountId: alice.checking, toAccountId: alice.savings, amount: 1, currency: "USD" },
      { idempotencyKey: randomUUID() },
    )
  ).json.result.data;
  // Real cursors, so hostile text can be put into ones that work.
  const keys = await api.query("idempotency.list", { limit: 1 });
  const keyCursor = keys.json.result.data.nextCursor as string;
  const entries = await api.query("ledger.list", { limit: 1 });
  const ledgerCursor = entries.json.result.data.nextCursor as string;
  validInput = {
    "accounts.list": undefined,
    "accounts.get": { accountId: alice.checking },
    "orders.create": { accountId: alice.checking, amount: 100, currency: "USD", description: "A bicycle bell" },
    "orders.get": { orderId: unpaid.id },
    "orders.list": { limit: 5, cursor: cancellable.id },
    "orders.cancel": { orderId: cancellable.id },
    "orders.updateShipping": { orderId: unpaid.id, expectedVersion: unpaid.version, shipping: address },
    "payments.create": { orderId: unpaid.id },
    "payments.get": { paymentId: payment.id },
    "payments.list": { orderId: payment.orderId, limit: 5, cursor: payment.id },
    "refunds.create": { paymentId: payment.id, amount: 1 },
    "refunds.list": { paymentId: payment.id, limit: 5 },
    "transfers.create": { fromAccountId: alice.checking, toAccountId: alice.savings, amount: 1, currency: "USD" },
    "transfers.get": { transferId: transfer.id },
    "transfers.list": { accountId: alice.checking, limit: 5, cursor: transfer.id },
    "idempotency.list": { limit: 5, cursor: keyCursor },
    "idempotency.get": { key: "some-key" },
    "ledger.recent": { limit: 5, accountId: alice.checking },
    "ledger.list": { limit: 5, accountId: alice.checking, cursor: ledgerCursor },
    "chaos.get": undefined,
    "chaos.set": { failBeforeCommit: 0, dropResponses: 0, latencyMs: 0 },
  };
});
afterAll(() => api.close());

interface Hostile {
  path: string;
  kind: "query" | "mutation";
  /** The input as sent: JSON text (possibly malformed), or undefined for none. */
  text: string | undefined;
  /** Header lines; a name may repeat. */
  headers: [string, string][];
  chunked?: boolean;
}

const json = (input: unknown) => (input === undefined ? undefined : JSON.stringify(input));
const aliceHeaders = (): [string, string][] => [
  ["Authorization", "Bearer sk_test_alice"],
  ["Idempotency-Key", randomUUID()],
];

/** Over a bare socket to the Node handler. */
function sendRaw(request: Hostile): Promise<RawAnswer> {
  const headers: [string, string][] = [...request.headers];
  if (request.kind === "query") {
    const search = request.text === undefined ? "" : `?input=${encodeURIComponent(request.text)}`;
    return rawRequest(port, { method: "GET", target: `/trpc/${request.path}${search}`, headers });
  }
  headers.push(["Content-Type", "application/json"]);
  return rawRequest(port, {
    method: "POST",
    target: `/trpc/${request.path}`,
    headers,
    body: request.text ?? "",
    chunked: request.chunked,
  });
}

/** As a `Request` to the fetch handler (what Next.js mounts). */
async function sendFetch(request: Hostile): Promise<RawAnswer> {
  const headers = new Headers();
  for (const [name, value] of request.headers) headers.append(name, value);
  const base = `http://localhost/api/trpc/${request.path}`;
  let req: Request;
  if (request.kind === "query") {
    const search = request.text === undefined ? "" : `?input=${encodeURIComponent(request.text)}`;
    req = new Request(`${base}${search}`, { headers });
  } else {
    headers.set("content-type", "application/json");
    const body = request.text ?? "";
    req = request.chunked
      ? new Request(base, { method: "POST", headers, body: streamOf(body), duplex: "half" } as RequestInit)
      : new Request(base, { method: "POST", headers, body });
  }
  const response = await fetchHandler(req);
  return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
}

/** A body without a Content-Length, delivered in 16 KiB pieces. */
function streamOf(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + 16_384));
      offset += 16_384;
    },
  });
}

const adapters = { node: sendRaw, fetch: sendFetch } as const;
type Adapter = keyof typeof adapters;

/** A refusal a client can act on: a 4xx, no stack trace, no internals. */
function expectSafeRefusal(answer: RawAnswer, context: unknown) {
  const where = JSON.stringify(context).slice(0, 500);
  expect(answer.status, `${where}\n${answer.body}`).toBeGreaterThanOrEqual(400);
  expect(answer.status, `${where}\n${answer.body}`).toBeLessThan(500);
  expectNoInternals(answer, where);
}

function expectNoInternals(answer: RawAnswer, where: string) {
  // A stack trace line ("    at fn (file:1:2)"), raw or JSON-escaped, or a stack field.
  expect(answer.body, where).not.toMatch(/(\n|\\n)\s+at\s/);
  expect(answer.body, where).not.toMatch(/node_modules|\.ts:\d+:\d+/);
  if (answer.headers["content-type"]?.includes("json")) {
    expect(JSON.stringify(JSON.parse(answer.body)), where).not.toContain('"stack"');
  }
}

/** Runs a property and asserts afterwards that not one row anywhere changed. */
async function writesNothing(property: fc.IAsyncProperty<any>, numRuns: number) {
  const before = await snapshotOf(api);
  await fc.assert(property, { numRuns, endOnFailure: true });
  expect(await snapshotOf(api)).toEqual(before);
}

const anyProcedure = fc.constantFrom(...procedures);
const anyAdapter = fc.constantFrom<Adapter>("node", "fetch");

describe("hostile input never gets a 5xx, a stack trace or a row written", () => {
  it("covers every procedure of the AppRouter, and knows which mutations read the key", () => {
    for (const { path } of procedures) expect(Object.keys(validInput), `add ${path} here`).toContain(path);
    for (const { path } of mutations) expect([...KEYED, ...UNKEYED], `classify ${path}`).toContain(path);
  });

  it("malformed JSON is a 4xx", async () => {
    await writesNothing(
      fc.asyncProperty(anyProcedure, anyAdapter, malformedJson, async (procedure, adapter, text) => {
        const request: Hostile = { ...procedure, text, headers: aliceHeaders() };
        const answer = await adapters[adapter](request);
        if (takesNoInput.has(procedure.path) && procedure.kind === "query") {
          // The input is never read: any answer but a 5xx (chaos.get is a 404 outside the demo).
          expect(answer.status).toBeLessThan(500);
          return expectNoInternals(answer, "");
        }
        expectSafeRefusal(answer, { adapter, ...request });
        expect(answer.status).toBe(400);
      }),
      150,
    );
  });

  it("well-formed input of the wrong types is a 4xx for mutations and never a 5xx", async () => {
    await writesNothing(
      fc.asyncProperty(anyProcedure, anyAdapter, wrongTypes, async (procedure, adapter, input) => {
        const request: Hostile = { ...procedure, text: JSON.stringify(input), headers: aliceHeaders() };
        const answer = await adapters[adapter](request);
        // A query with no input (accounts.list) or a lenient one may answer 200: reads write nothing.
        if (procedure.kind === "query" && answer.status === 200) return expectNoInternals(answer, "");
        expectSafeRefusal(answer, { adapter, ...request });
      }),
      150,
    );
  });

  it("unknown procedures are a 404", async () => {
    await writesNothing(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 40 }).filter((path) => !procedures.some((p) => p.path === path)),
        anyAdapter,
        fc.constantFrom<"query" | "mutation">("query", "mutation"),
        async (name, adapter, kind) => {
          const request: Hostile = { path: encodeURIComponent(name), kind, text: "{}", headers: aliceHeaders() };
          const answer = await adapters[adapter](request);
          expectSafeRefusal(answer, { adapter, ...request });
          expect(answer.status).toBe(404);
        },
      ),
      50,
    );
  });

  it("a body over the limit is a 413 before it is parsed, with or without a Content-Length", async () => {
    await writesNothing(
      fc.asyncProperty(
        fc.constantFrom(...mutations),
        anyAdapter,
        fc.integer({ min: MAX_BODY_BYTES + 1, max: 4 * MAX_BODY_BYTES }),
        fc.boolean(),
        async (procedure, adapter, size, chunked) => {
          const text = padTo(validInput[procedure.path], size);
          const request: Hostile = { ...procedure, text, headers: aliceHeaders(), chunked };
          const answer = await adapters[adapter](request);
          expectSafeRefusal(answer, { adapter, path: procedure.path, size, chunked });
          expect(answer.status).toBe(413);
        },
      ),
      20,
    );
  });

  it.each(["node", "fetch"] as const)("the %s handler's limit is exactly MAX_BODY_BYTES", async (adapter) => {
    const before = await snapshotOf(api);
    const send = (size: number) =>
      adapters[adapter]({
        path: "orders.create",
        kind: "mutation",
        text: padTo(validInput["orders.create"], size),
        headers: aliceHeaders(),
      });
    // At the limit the body is read and parsed: the padding is an unknown field, a 400.
    const atLimit = await send(MAX_BODY_BYTES);
    expect(atLimit.status).toBe(400);
    expect(JSON.parse(atLimit.body).error.data.oncelyCode).toBe("invalid_input");
    expect((await send(MAX_BODY_BYTES + 1)).status).toBe(413);
    expect(await snapshotOf(api)).toEqual(before);
  });

  it("a bad Idempotency-Key is a 400 for every keyed mutation, with input that would otherwise write", async () => {
    await writesNothing(
      fc.asyncProperty(
        fc.constantFrom(...keyedMutations),
        anyAdapter,
        badIdempotencyKey,
        async (procedure, adapter, badKey: BadKey) => {
          fc.pre(adapter === "node" || badKey.values.every(fetchCanCarry));
          const headers: [string, string][] = [
            ["Authorization", "Bearer sk_test_alice"],
            ...badKey.values.map((value): [string, string] => ["Idempotency-Key", value]),
          ];
          const request: Hostile = { ...procedure, text: json(validInput[procedure.path]), headers };
          const answer = await adapters[adapter](request);
          expectSafeRefusal(answer, { adapter, ...request });
          expect(answer.status).toBe(400);
          // The Node parser itself refuses control characters (an empty 400); else the engine does.
          if (answer.body) expect(JSON.parse(answer.body).error.data.oncelyCode).toBe("idempotency_key_invalid");
        },
      ),
      200,
    );
  });

  it("an absent or wrong API key is refused for every procedure, with input that would otherwise write", async () => {
    await writesNothing(
      fc.asyncProperty(anyProcedure, anyAdapter, badAuthorization, async (procedure, adapter, authorization) => {
        fc.pre(adapter === "node" || authorization === undefined || fetchCanCarry(authorization));
        const headers: [string, string][] = [["Idempotency-Key", randomUUID()]];
        if (authorization !== undefined) headers.push(["Authorization", authorization]);
        const request: Hostile = { ...procedure, text: json(validInput[procedure.path]), headers };
        const answer = await adapters[adapter](request);
        expectSafeRefusal(answer, { adapter, ...request, headers: [] });
        if (answer.body) {
          // 401 from the API; Node's own parser answers oversized (431) or invalid (400) headers.
          expect(answer.status).toBe(401);
          expect(JSON.parse(answer.body).error.data.oncelyCode).toBe("unauthenticated");
        } else {
          expect([400, 431]).toContain(answer.status);
        }
      }),
      200,
    );
  });
});

/** Paths of the string values in an input (`shipping.city`), each with its value. */
function stringFields(input: unknown, prefix: string[] = []): { path: string[]; value: string }[] {
  if (typeof input === "string") return [{ path: prefix, value: input }];
  if (input === null || typeof input !== "object") return [];
  return Object.entries(input).flatMap(([name, value]) => stringFields(value, [...prefix, name]));
}

/** A copy of `input` with the value at `path` replaced. */
function withValue(input: unknown, path: string[], value: string): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  const object = input as Record<string, unknown>;
  return { ...object, [head]: withValue(object[head], rest, value) };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UPPER_CASE_UUID = /[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}/;

describe("hostile strings in every string field", () => {
  /** Every string field of every procedure's valid input, as (procedure, path, valid value). */
  const textCases = () =>
    procedures.flatMap((procedure) =>
      stringFields(validInput[procedure.path]).map((field) => ({ procedure, ...field })),
    );

  it("reaches every kind of string field: ids, currencies, free text, shipping lines, keys", () => {
    const paths = textCases().map((c) => `${c.procedure.path}:${c.path.join(".")}`);
    for (const expected of [
      "orders.create:description",
      "orders.create:currency",
      "orders.updateShipping:shipping.line2",
      "transfers.create:toAccountId",
      "idempotency.get:key",
      "idempotency.list:cursor",
      "orders.list:cursor",
      "ledger.recent:accountId",
    ]) {
      expect(paths).toContain(expected);
    }
  });

  it("NUL, other control characters and lone surrogates are a 400 in any of them, with nothing written", async () => {
    const anyField = fc
      .constantFrom(...textCases())
      .chain((field) => fc.record({ field: fc.constant(field), text: hostileText(field.value), adapter: anyAdapter }));
    await writesNothing(
      fc.asyncProperty(anyField, async ({ field, text, adapter }) => {
        const input = withValue(validInput[field.procedure.path], field.path, text);
        const request: Hostile = { ...field.procedure, text: JSON.stringify(input), headers: aliceHeaders() };
        const answer = await adapters[adapter](request);
        expectSafeRefusal(answer, { adapter, ...request });
        expect(answer.status).toBe(400);
        const error = JSON.parse(answer.body).error.data;
        expect(error.oncelyCode).toBe("invalid_input");
        expect(error.issues.map((i: { path: string }) => i.path)).toContain(field.path.join("."));
      }),
      300,
    );
  });

  it("ids in any letter case are the same ids: never a 5xx, a query answers as for the lower-case id", async () => {
    const idCases = textCases().filter((c) => UUID.test(c.value));
    expect(idCases.length).toBeGreaterThan(8);
    await fc.assert(
      fc.asyncProperty(
        fc
          .constantFrom(...idCases)
          .chain((field) => fc.record({ field: fc.constant(field), id: oddCase(field.value), adapter: anyAdapter })),
        async ({ field, id, adapter }) => {
          const send = (value: string) =>
            adapters[adapter]({
              ...field.procedure,
              text: JSON.stringify(withValue(validInput[field.procedure.path], field.path, value)),
              headers: aliceHeaders(),
            });
          const odd = await send(id);
          expect(odd.status, odd.body).toBeLessThan(500);
          expectNoInternals(odd, id);
          // Answers name ids as the database spells them, never as the request did.
          expect(odd.body).not.toMatch(UPPER_CASE_UUID);
          if (field.procedure.kind === "query") {
            const lower = await send(field.value);
            expect(odd.status).toBe(lower.status);
            expect(odd.body).toBe(lower.body);
          } else if (odd.status >= 400) {
            // A mutation may be refused for what earlier runs did (paid, refunded), never for the case.
            expect(JSON.parse(odd.body).error.data.oncelyCode, odd.body).not.toMatch(/invalid_input|not_found/);
          }
        },
      ),
      { numRuns: 120, endOnFailure: true },
    );
  });
});

/** The input as JSON, padded with an unknown field to exactly `size` bytes. */
function padTo(input: unknown, size: number): string {
  const base = JSON.stringify({ ...(input as object), padding: "" });
  const text = `${base.slice(0, -2)}${"x".repeat(Math.max(0, size - Buffer.byteLength(base)))}"}`;
  expect(Buffer.byteLength(text)).toBe(size);
  return text;
}
