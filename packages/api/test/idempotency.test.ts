import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFetchHandler } from "../src/http/handlers";
import { customerAccountId, startTestApi, type TestApi } from "./harness";

let api: TestApi;
let accountId: string;
beforeAll(async () => {
  api = await startTestApi();
  accountId = await customerAccountId(api);
});
afterAll(() => api.close());

const order = (amount = 1200) => ({ accountId, amount, currency: "USD" });

describe("idempotency.list and idempotency.get (the key inspector)", () => {
  it("shows a principal its own keys with status, path, expiry and replays", async () => {
    const key = randomUUID();
    await api.mutate("orders.create", order(), { idempotencyKey: key });
    await api.mutate("orders.create", order(), { idempotencyKey: key });

    await expect.poll(async () => (await api.query("idempotency.get", { key })).json.result?.data.replays).toBe(1);
    const detail = (await api.query("idempotency.get", { key })).json.result.data;
    expect(detail).toMatchObject({ key, path: "orders.create", status: "completed", responseStatus: 200 });
    expect(new Date(detail.expiresAt).getTime() - new Date(detail.createdAt).getTime()).toBe(24 * 3600 * 1000);
    expect(JSON.parse(detail.responseBody).accountId).toBe(accountId);

    const list = (await api.query("idempotency.list", { limit: 100 })).json.result.data;
    expect(list.items.map((k: { key: string }) => k.key)).toContain(key);
  });

  it("never shows one principal's keys to another", async () => {
    const key = randomUUID();
    await api.mutate("orders.create", order(), { idempotencyKey: key });
    const asBob = await api.query("idempotency.get", { key }, { apiKey: "sk_test_bob" });
    expect(asBob.status).toBe(404);
    expect(asBob.json.error.data.oncelyCode).toBe("idempotency_key_not_found");
    const bobsList = (await api.query("idempotency.list", { limit: 100 }, { apiKey: "sk_test_bob" })).json.result.data;
    expect(bobsList.items.map((k: { key: string }) => k.key)).not.toContain(key);
  });

  it("pages through keys newest first without repeats, and refuses a forged cursor", async () => {
    for (let i = 0; i < 5; i++) await api.mutate("orders.create", order(100 + i), { idempotencyKey: randomUUID() });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = (await api.query("idempotency.list", { limit: 2, cursor })).json.result.data;
      seen.push(...page.items.map((k: { key: string }) => k.key));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const [count] = await api.database.sql`
      SELECT count(*)::int AS n FROM oncely_idempotency_keys WHERE principal_id = ${api.principals.alice}`;
    expect(seen).toHaveLength(count?.n);
    expect(new Set(seen).size).toBe(seen.length);

    const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const forgeries = [
      "bm90LWEtY3Vyc29y", // not JSON
      cursorOf(["not-a-date", "k"]),
      cursorOf(["999999-01-01T00:00:00+00:00", "k"]), // a year PostgreSQL would refuse
      cursorOf(["2026-11-29T16:21:19.1+00:00", "k\u0000"]), // a key no header could carry
      cursorOf(["2026-11-29T16:21:19.1+00:00"]),
      cursorOf({ createdAt: "2026-11-29T16:21:19.1+00:00", key: "k" }),
    ];
    for (const cursor of forgeries) {
      const forged = await api.query("idempotency.list", { limit: 2, cursor });
      expect(forged.status, cursor).toBe(400);
      expect(forged.json.error.data.oncelyCode).toBe("idempotency_cursor_invalid");
    }
  });
});

describe("batched requests", () => {
  it("refuse one key for several mutations with 400, running none of them", async () => {
    const orders = await api.count("orders");
    const keys = await api.count("oncely_idempotency_keys");
    const response = await fetch(`${api.url}/orders.create,orders.create?batch=1`, {
      method: "POST",
      headers: {
        authorization: "Bearer sk_test_alice",
        "content-type": "application/json",
        "idempotency-key": randomUUID(),
      },
      body: JSON.stringify({ 0: order(1), 1: order(2) }),
    });
    const answers = (await response.json()) as { error: { data: { oncelyCode: string; httpStatus: number } } }[];
    expect(answers).toHaveLength(2);
    for (const answer of answers) {
      expect(answer.error.data.oncelyCode).toBe("idempotency_key_in_batch");
      expect(answer.error.data.httpStatus).toBe(400);
    }
    expect(await api.count("orders")).toBe(orders);
    expect(await api.count("oncely_idempotency_keys")).toBe(keys);
  });
});

describe("the fetch adapter (what Next.js mounts)", () => {
  it("creates once and replays byte for byte with the replay header, like the Node adapter", async () => {
    const handler = createFetchHandler({ db: api.database.db, endpoint: "/api/trpc" });
    const key = randomUUID();
    const request = () =>
      new Request("http://localhost/api/trpc/orders.create", {
        method: "POST",
        headers: { authorization: "Bearer sk_test_alice", "content-type": "application/json", "idempotency-key": key },
        body: JSON.stringify(order(4321)),
      });
    const before = await api.count("orders");
    const first = await handler(request());
    const firstBody = await first.text();
    const second = await handler(request());
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(await second.text()).toBe(firstBody);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(await api.count("orders")).toBe(before + 1);

    // The same key through the Node adapter is the same key: it replays the fetch adapter's answer.
    const viaNode = await api.mutate("orders.create", order(4321), { idempotencyKey: key });
    expect(viaNode.body).toBe(firstBody);
  });
});
