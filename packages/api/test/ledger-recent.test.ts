import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountsOf, as, createPayment, type DemoAccounts, dataOf, startTestApi, type TestApi } from "./harness";

let api: TestApi;
let alice: DemoAccounts;

beforeAll(async () => {
  api = await startTestApi();
  alice = await accountsOf(api, "alice");
});
afterAll(() => api.close());

describe("ledger.recent", () => {
  it("lists the principal's newest entries with account names, signed amounts and no equity side", async () => {
    const payment = await createPayment(api, { accountId: alice.checking, amount: 1_250 });
    const entries = dataOf(await api.query("ledger.recent", { limit: 4 }));
    expect(entries).toHaveLength(4);
    const [credit, debit] = entries
      .slice(0, 2)
      .sort((a: { amount: number }, b: { amount: number }) => b.amount - a.amount);
    expect(credit).toMatchObject({
      accountId: alice.merchant,
      accountName: "Alice's Shop",
      amount: 1_250,
      currency: "USD",
    });
    expect(debit).toMatchObject({ accountId: alice.checking, accountName: "Alice Checking", amount: -1_250 });
    expect(credit.description).toBe(`Payment for order ${payment.orderId}`);
    expect(credit.movementId).toBe(debit.movementId);
    expect(entries.map((e: { accountId: string }) => e.accountId)).not.toContain(alice.equity);
    const times = entries.map((e: { createdAt: string }) => e.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it("filters by account and shows nothing of another principal's", async () => {
    const savings = dataOf(await api.query("ledger.recent", { accountId: alice.savings }));
    expect(savings.length).toBeGreaterThan(0);
    expect(savings.every((e: { accountId: string }) => e.accountId === alice.savings)).toBe(true);
    const bobs = dataOf(await api.query("ledger.recent", { accountId: alice.savings }, as("bob")));
    expect(bobs).toEqual([]);
    const bobAll = dataOf(await api.query("ledger.recent", undefined, as("bob")));
    expect(bobAll.every((e: { accountName: string }) => e.accountName.startsWith("Bob"))).toBe(true);
  });
});
