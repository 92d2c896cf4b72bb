import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFetchHandler, createNodeHandler, DEFAULT_MAX_BATCH_SIZE } from "../src/http/handlers";
import { accountsOf, createOrder, type DemoAccounts, snapshotOf, startTestApi, type TestApi } from "./harness";

/**
 * Calls per batched request are capped (issue 15: one POST of 1,000 `orders.cancel` calls ran
 * 1,000 transactions while another principal's read waited 2.9 s). Past the cap the whole
 * request is a 400 before any call runs: not one order is cancelled.
 */

let api: TestApi;
let alice: DemoAccounts;
let fetchHandler: (req: Request) => Promise<Response>;

beforeAll(async () => {
  api = await startTestApi();
  alice = await accountsOf(api, "alice");
  fetchHandler = createFetchHandler({ db: api.database.db, endpoint: "/api/trpc" });
});
afterAll(() => api.close());

const headers = { authorization: "Bearer sk_test_alice", "content-type": "application/json" };

async function pendingOrders(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push((await createOrder(api, { accountId: alice.checking, amount: 10 })).id);
  return ids;
}

/** One POST batching `orders.cancel` for each id. */
function cancelBatch(base: string, orderIds: string[]): Request {
  const paths = orderIds.map(() => "orders.cancel").join(",");
  const body = Object.fromEntries(orderIds.map((orderId, i) => [i, { orderId }]));
  return new Request(`${base}/${paths}?batch=1`, { method: "POST", headers, body: JSON.stringify(body) });
}

/** One GET batching `accounts.list` `count` times. */
function listBatch(base: string, count: number): Request {
  const paths = Array.from({ length: count }, () => "accounts.list").join(",");
  return new Request(`${base}/${paths}?batch=1&input=${encodeURIComponent("{}")}`, { headers });
}

const viaNode = (request: Request): Promise<Response> => fetch(request);
const viaFetchHandler = (request: Request): Promise<Response> => fetchHandler(request);

const adapters: [name: string, base: () => string, send: (request: Request) => Promise<Response>][] = [
  ["the Node handler", () => api.url, viaNode],
  ["the fetch handler", () => "http://localhost/api/trpc", viaFetchHandler],
];
describe.each(adapters)("%s caps calls per batch", (_name, base, send) => {
  it(`refuses ${DEFAULT_MAX_BATCH_SIZE + 1} mutations in one request with a 400, and runs none of them`, async () => {
    const ids = await pendingOrders(DEFAULT_MAX_BATCH_SIZE + 1);
    const before = await snapshotOf(api);
    const response = await send(cancelBatch(base(), ids));
    const body = await response.text();
    expect(response.status, body).toBe(400);
    expect(body).toMatch(/Batch call exceeds maximum size/);
    expect(body).not.toMatch(/"stack"/);
    expect(await snapshotOf(api)).toEqual(before);
  });

  it(`refuses ${DEFAULT_MAX_BATCH_SIZE + 1} queries in one GET with a 400`, async () => {
    const response = await send(listBatch(base(), DEFAULT_MAX_BATCH_SIZE + 1));
    expect(response.status, await response.text()).toBe(400);
  });

  it(`runs a batch of exactly ${DEFAULT_MAX_BATCH_SIZE}`, async () => {
    const ids = await pendingOrders(DEFAULT_MAX_BATCH_SIZE);
    const response = await send(cancelBatch(base(), ids));
    const answers = (await response.json()) as { result?: { data: { status: string } } }[];
    expect(response.status).toBe(200);
    expect(answers.map((a) => a.result?.data.status)).toEqual(ids.map(() => "cancelled"));
    const queries = await send(listBatch(base(), DEFAULT_MAX_BATCH_SIZE));
    expect(queries.status).toBe(200);
  });
});

describe("the cap is an option", () => {
  it("maxBatchSize: 3 lets 3 calls through and refuses 4", async () => {
    const server = http.createServer(createNodeHandler({ db: api.database.db, maxBatchSize: 3 }));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/trpc`;
    try {
      const ids = await pendingOrders(4);
      const before = await snapshotOf(api);
      expect((await fetch(cancelBatch(base, ids))).status).toBe(400);
      expect(await snapshotOf(api)).toEqual(before);
      expect((await fetch(cancelBatch(base, ids.slice(0, 3)))).status).toBe(200);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
