import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { chaosPoint, withChaos } from "../src/demo/chaos";
import { accountsOf, createOrder, dataOf, startTestApi, type TestApi } from "./harness";

// Outside demo mode the chaos layer is not in the procedure chain at all: not one call of its
// middleware or of its engine hook, whatever is requested. (Demo mode is decided when the API
// loads, so this file loads it with ONCELY_DEMO unset.)
const demoBefore = vi.hoisted(() => {
  const before = process.env.ONCELY_DEMO;
  delete process.env.ONCELY_DEMO;
  return before;
});
vi.mock("../src/demo/chaos", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../src/demo/chaos")>();
  return { ...actual, withChaos: vi.fn(actual.withChaos), chaosPoint: vi.fn(actual.chaosPoint) };
});

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.close();
  if (demoBefore !== undefined) process.env.ONCELY_DEMO = demoBefore;
});

describe("outside demo mode", () => {
  it("runs queries and idempotent mutations without ever entering the chaos layer", async () => {
    const { checking } = await accountsOf(api, "alice");
    const order = await createOrder(api, { accountId: checking, amount: 250 });
    dataOf(await api.mutate("payments.create", { orderId: order.id }, { idempotencyKey: randomUUID() }));
    dataOf(await api.query("orders.list"));
    const chaos = await api.query("chaos.get");
    expect(chaos.status).toBe(404);
    expect(chaos.json.error.data.oncelyCode).toBe("chaos_unavailable");

    expect(vi.mocked(withChaos)).not.toHaveBeenCalled();
    expect(vi.mocked(chaosPoint)).not.toHaveBeenCalled();
  });
});
