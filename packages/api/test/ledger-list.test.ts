import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { as, createPayment, type DemoAccounts, dataOf, snapshotOf, type TestApi, useLedgerApi } from "./harness";

let api: TestApi;
let alice: DemoAccounts;
useLedgerApi((started) => ({ api, alice } = started));

type Entry = {
  id: string;
  accountId: string;
  amount: number;
  balanceAfter: number;
  source: { kind: string; orderId?: string; paymentId?: string; refundId?: string; transferId?: string };
};

async function allEntries(input: Record<string, unknown>, principal: "alice" | "bob" = "alice") {
  const entries: Entry[] = [];
  let cursor: string | undefined;
  do {
    const page = dataOf(await api.query("ledger.list", { ...input, cursor }, as(principal)));
    entries.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return entries;
}

const balanceOf = async (accountId: string) =>
  Number(
    (await api.database.sql<{ b: string }[]>`SELECT balance::text AS b FROM accounts WHERE id = ${accountId}`)[0]?.b,
  );

describe("ledger.list", () => {
  it("pages through one account's entries with a running balance that ends at the account's balance", async () => {
    const payment = await createPayment(api, { accountId: alice.checking, amount: 1_250 });
    const refund = dataOf(
      await api.mutate("refunds.create", { paymentId: payment.id, amount: 250 }, { idempotencyKey: randomUUID() }),
    );
    const transfer = dataOf(
      await api.mutate(
        "transfers.create",
        { fromAccountId: alice.checking, toAccountId: alice.savings, amount: 5_000, currency: "USD" },
        { idempotencyKey: randomUUID() },
      ),
    );

    const entries = await allEntries({ accountId: alice.checking, limit: 2 });
    const rows = await api.database.sql<{ id: string; amount: number }[]>`
      SELECT id::text, amount::int FROM ledger_entries WHERE account_id = ${alice.checking}
      ORDER BY created_at DESC, id DESC`;
    expect(entries.map((e) => e.id)).toEqual(rows.map((r) => r.id));
    // Newest first: the newest balance is the account's; each older one is it minus the newer amounts.
    expect(entries[0]?.balanceAfter).toBe(await balanceOf(alice.checking));
    for (let i = 1; i < entries.length; i++) {
      expect(entries[i]?.balanceAfter).toBe((entries[i - 1]?.balanceAfter ?? 0) - (entries[i - 1]?.amount ?? 0));
    }
    expect(entries.at(-1)).toMatchObject({ amount: 250_000, balanceAfter: 250_000, source: { kind: "opening" } });

    expect(entries[0]?.source).toEqual({ kind: "transfer", transferId: transfer.id });
    expect(entries[1]?.source).toEqual({
      kind: "refund",
      orderId: payment.orderId,
      paymentId: payment.id,
      refundId: refund.id,
    });
    expect(entries[2]?.source).toEqual({ kind: "payment", orderId: payment.orderId, paymentId: payment.id });
  });

  it("lists all of the principal's public accounts without the equity side, and nothing of another's", async () => {
    const all = await allEntries({ limit: 100 });
    const [row] = await api.database.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM ledger_entries e JOIN accounts a ON a.id = e.account_id
      WHERE a.principal_id = ${api.principals.alice} AND a.kind <> 'equity'`;
    expect(all).toHaveLength(row?.n ?? -1);
    expect(all.map((e) => e.accountId)).not.toContain(alice.equity);
    for (const accountId of [alice.checking, alice.savings, alice.merchant]) {
      const newest = all.find((e) => e.accountId === accountId);
      expect(newest?.balanceAfter, accountId).toBe(await balanceOf(accountId));
    }
    expect(await allEntries({ accountId: alice.checking, limit: 100 }, "bob")).toEqual([]);
  });

  it("refuses bad input with a 400 or an unknown cursor with a 404, and writes nothing", async () => {
    const before = await snapshotOf(api);
    for (const input of [{ limit: 0 }, { limit: 101 }, { cursor: "abc" }, { cursor: "-1" }, { accountId: "x" }]) {
      expect((await api.query("ledger.list", input)).status, JSON.stringify(input)).toBe(400);
    }
    const unknown = await api.query("ledger.list", { cursor: "999999999" });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.data.oncelyCode).toBe("ledger_entry_not_found");
    const [alices] = await api.database.sql<{ id: string }[]>`
      SELECT e.id::text FROM ledger_entries e WHERE e.account_id = ${alice.checking} LIMIT 1`;
    expect((await api.query("ledger.list", { cursor: alices?.id }, as("bob"))).status).toBe(404);
    expect(await snapshotOf(api)).toEqual(before);
  });
});
