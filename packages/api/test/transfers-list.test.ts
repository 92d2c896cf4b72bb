import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { accountsOf, as, type DemoAccounts, dataOf, snapshotOf, type TestApi, useLedgerApi } from "./harness";

let api: TestApi;
let alice: DemoAccounts;
useLedgerApi((started) => ({ api, alice } = started));

async function transfer(from: string, to: string, amount: number, principal: "alice" | "bob" = "alice") {
  const input = { fromAccountId: from, toAccountId: to, amount, currency: "USD" };
  return dataOf(await api.mutate("transfers.create", input, as(principal, { idempotencyKey: randomUUID() })));
}

/** Every page of transfers.list for `input`, following nextCursor. */
async function allPages(input: Record<string, unknown>, principal: "alice" | "bob" = "alice") {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = dataOf(await api.query("transfers.list", { ...input, cursor }, as(principal)));
    ids.push(...page.items.map((t: { id: string }) => t.id));
    cursor = page.nextCursor ?? undefined;
    pages += 1;
  } while (cursor);
  return { ids, pages };
}

describe("transfers.list", () => {
  it("pages through the principal's transfers newest first, each once, and only theirs", async () => {
    const made: string[] = [];
    for (let i = 1; i <= 7; i++) {
      const from = i % 2 === 0 ? alice.checking : alice.savings;
      const to = i % 2 === 0 ? alice.savings : alice.checking;
      made.push((await transfer(from, to, i * 100)).id);
    }
    const bob = await accountsOf(api, "bob");
    const bobs = await transfer(bob.checking, bob.savings, 50, "bob");

    const { ids, pages } = await allPages({ limit: 3 });
    expect(pages).toBe(3);
    const rows = await api.database.sql<{ id: string }[]>`
      SELECT id FROM transfers WHERE principal_id = ${api.principals.alice} ORDER BY created_at DESC, id DESC`;
    expect(ids).toEqual(rows.map((r) => r.id));
    expect(new Set(ids)).toEqual(new Set(made));
    expect(ids).not.toContain(bobs.id);

    const first = dataOf(await api.query("transfers.list", { limit: 1 }));
    expect(first.items[0]).toMatchObject({ id: made[6], amount: 700, currency: "USD" });
    expect(typeof first.items[0].createdAt).toBe("string");

    const bobsList = await allPages({ limit: 100 }, "bob");
    expect(bobsList.ids).toEqual([bobs.id]);
  });

  it("filters by an account on either side of the transfer", async () => {
    const viaMerchant = await transfer(alice.checking, alice.merchant, 25);
    const { ids } = await allPages({ accountId: alice.merchant, limit: 100 });
    expect(ids).toEqual([viaMerchant.id]);
    const checking = await allPages({ accountId: alice.checking, limit: 100 });
    const [row] = await api.database.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM transfers WHERE from_account_id = ${alice.checking} OR to_account_id = ${alice.checking}`;
    expect(checking.ids).toHaveLength(row?.n ?? -1);
    // Another principal's account filters to nothing rather than revealing anything.
    expect((await allPages({ accountId: alice.checking, limit: 100 }, "bob")).ids).toEqual([]);
  });

  it("refuses bad input with a 400 or an unknown cursor with a 404, and writes nothing", async () => {
    const before = await snapshotOf(api);
    for (const input of [
      { limit: 0 },
      { limit: 101 },
      { limit: 1.5 },
      { cursor: "not-a-cursor" },
      { accountId: "nope" },
      { limit: 5, extra: true },
    ]) {
      const response = await api.query("transfers.list", input);
      expect(response.status, JSON.stringify(input)).toBe(400);
    }
    const unknown = await api.query("transfers.list", { cursor: randomUUID() });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.data.oncelyCode).toBe("transfer_not_found");
    // Bob cannot page from alice's transfer either.
    const [alices] = await api.database.sql<{ id: string }[]>`
      SELECT id FROM transfers WHERE principal_id = ${api.principals.alice} LIMIT 1`;
    expect((await api.query("transfers.list", { cursor: alices?.id }, as("bob"))).status).toBe(404);
    expect(await snapshotOf(api)).toEqual(before);
  });
});

describe("transfers.get", () => {
  it("answers the principal's own transfer as created, and 404 for another's or an unknown one", async () => {
    const created = await transfer(alice.savings, alice.checking, 4_321);
    expect(dataOf(await api.query("transfers.get", { transferId: created.id }))).toEqual(created);
    for (const [transferId, principal] of [
      [created.id, "bob"],
      [randomUUID(), "alice"],
    ] as const) {
      const response = await api.query("transfers.get", { transferId }, as(principal));
      expect(response.status).toBe(404);
      expect(response.json.error.data.oncelyCode).toBe("transfer_not_found");
    }
    expect((await api.query("transfers.get", { transferId: "x" })).status).toBe(400);
  });
});
