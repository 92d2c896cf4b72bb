import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import {
  accountsOf,
  as,
  createOrder,
  type DemoAccounts,
  dataOf,
  snapshotOf,
  type TestApi,
  useLedgerApi,
} from "./harness";

let api: TestApi;
let alice: DemoAccounts;
useLedgerApi((started) => ({ api, alice } = started));

type Item = { id: string; amount: number; status: string; payment: { id: string; refundedAmount: number } | null };

async function list(input: Record<string, unknown>, principal: "alice" | "bob" = "alice"): Promise<Item[]> {
  const items: Item[] = [];
  let cursor: string | undefined;
  do {
    const page = dataOf(await api.query("orders.list", { limit: 2, ...input, cursor }, as(principal)));
    if (items.length > 1_000) throw new Error("orders.list does not end");
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

const ids: Record<string, string> = {};

beforeAll(async () => {
  const key = () => ({ idempotencyKey: randomUUID() });
  const make = async (name: string, amount: number) => {
    ids[name] = (await createOrder(api, { accountId: alice.checking, amount, description: `${name} 50%_off` })).id;
  };
  await make("pending", 100);
  await make("cancelled", 200);
  dataOf(await api.mutate("orders.cancel", { orderId: ids.cancelled }));
  const pay = async (name: string, amount: number, refund: number) => {
    await make(name, amount);
    const payment = dataOf(await api.mutate("payments.create", { orderId: ids[name] }, key()));
    if (refund > 0) dataOf(await api.mutate("refunds.create", { paymentId: payment.id, amount: refund }, key()));
  };
  await pay("paid", 300, 0);
  await pay("partly", 400, 100);
  await pay("refunded", 500, 500);
});

describe("orders.list filters", () => {
  it("filters by the status a person sees, refunds included, and says how far refunds went", async () => {
    const byStatus = async (status: string) => (await list({ status })).map((o) => o.id);
    expect(await byStatus("pending")).toEqual([ids.pending]);
    expect(await byStatus("cancelled")).toEqual([ids.cancelled]);
    expect(await byStatus("paid")).toEqual([ids.paid]);
    expect(await byStatus("partially_refunded")).toEqual([ids.partly]);
    expect(await byStatus("refunded")).toEqual([ids.refunded]);
    const all = await list({});
    expect(all.map((o) => o.id)).toEqual([ids.refunded, ids.partly, ids.paid, ids.cancelled, ids.pending]);
    expect(all.find((o) => o.id === ids.partly)?.payment?.refundedAmount).toBe(100);
    expect(all.find((o) => o.id === ids.pending)?.payment).toBeNull();
  });

  it("filters by amount, creation time and an id prefix or description words", async () => {
    expect((await list({ minAmount: 300, maxAmount: 400 })).map((o) => o.amount)).toEqual([400, 300]);
    const [row] = await api.database.sql<{ at: string }[]>`
      SELECT created_at AS at FROM orders WHERE id = ${ids.paid ?? ""}`;
    const at = new Date(row?.at ?? "").toISOString();
    expect((await list({ createdFrom: at })).map((o) => o.amount)).toEqual([500, 400, 300]);
    expect((await list({ createdBefore: at })).map((o) => o.amount)).toEqual([200, 100]);
    const id = ids.partly ?? "";
    expect((await list({ search: id.slice(0, 8).toUpperCase() })).map((o) => o.id)).toEqual([id]);
    expect((await list({ search: "partly" })).map((o) => o.id)).toEqual([id]);
    // LIKE's wildcards match literally.
    expect(await list({ search: "50%_off" })).toHaveLength(5);
    expect(await list({ search: "5_%" })).toHaveLength(0);
    expect(await list({ search: "partly" }, "bob")).toEqual([]);
  });

  it("pages through orders created in the same transaction (same created_at to the microsecond)", async () => {
    const bob = await accountsOf(api, "bob");
    await api.database.sql`
      INSERT INTO orders (principal_id, account_id, amount, currency)
      SELECT ${api.principals.bob}, ${bob.checking}, n, 'USD' FROM generate_series(1, 5) AS n`;
    const pages = await list({ limit: 1 }, "bob");
    expect(pages.map((o) => o.amount).sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it("refuses bad filters with a 400 and writes nothing", async () => {
    const before = await snapshotOf(api);
    for (const input of [
      { status: "shipped" },
      { minAmount: -1 },
      { maxAmount: 1.5 },
      { maxAmount: 10_000_000_001 },
      { createdFrom: "yesterday" },
      { createdBefore: "999999-01-01T00:00:00Z" },
      { search: "a\u0000b" },
      { search: "x".repeat(101) },
    ]) {
      expect((await api.query("orders.list", input)).status, JSON.stringify(input)).toBe(400);
    }
    expect(await snapshotOf(api)).toEqual(before);
  });
});
