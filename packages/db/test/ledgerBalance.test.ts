import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../src/testing";

// Migration 0001: the database itself refuses, at COMMIT, a movement whose entries do not sum to
// zero in each currency. Entries are written with raw SQL here, as code that bypassed
// @oncely/api's postMovement would.

let db: TestDatabase;
const account = { usd: "", usdEquity: "", eur: "" };

beforeAll(async () => {
  db = await createTestDatabase();
  const [principal] = await db.sql<{ id: string }[]>`
    INSERT INTO principals (name, api_key_hash) VALUES ('ledger', ${"a".repeat(64)}) RETURNING id`;
  const open = async (name: string, kind: string, currency: string) => {
    const [row] = await db.sql<{ id: string }[]>`
      INSERT INTO accounts (principal_id, name, kind, currency, allow_negative)
      VALUES (${principal?.id ?? ""}, ${name}, ${kind}, ${currency}, ${kind === "equity"}) RETURNING id`;
    return row?.id ?? "";
  };
  account.usd = await open("usd", "customer", "USD");
  account.usdEquity = await open("usd equity", "equity", "USD");
  account.eur = await open("eur", "customer", "EUR");
});
afterAll(() => db.drop());

type Entry = { account: keyof typeof account; amount: number; currency?: string };

/** Writes each movement's entries, one statement each, all in one transaction. */
function post(movements: Record<string, Entry[]>) {
  return db.sql.begin(async (tx) => {
    for (const [movement, entries] of Object.entries(movements)) {
      for (const e of entries) {
        await tx`
          INSERT INTO ledger_entries (movement_id, account_id, amount, currency, description)
          VALUES (${movement}, ${account[e.account]}, ${e.amount}, ${e.currency ?? "USD"}, 'test')`;
      }
    }
  });
}

const entriesOf = async (movement: string) =>
  (
    await db.sql<{ amount: string }[]>`SELECT amount FROM ledger_entries WHERE movement_id = ${movement} ORDER BY id`
  ).map((r) => Number(r.amount));

const refusedAtCommit = { code: "23514", constraint_name: "ledger_entries_movement_balanced" };

describe("ledger_entries_movement_balanced (deferred constraint trigger)", () => {
  it("commits a balanced movement written entry by entry, and two movements in one transaction", async () => {
    const [first, second] = [randomUUID(), randomUUID()];
    await post({
      [first]: [
        { account: "usdEquity", amount: -500 },
        { account: "usd", amount: 500 },
      ],
      [second]: [
        { account: "usdEquity", amount: -70 },
        { account: "usd", amount: 30 },
        { account: "usd", amount: 40 },
      ],
    });
    expect(await entriesOf(first)).toEqual([-500, 500]);
    expect(await entriesOf(second)).toEqual([-70, 30, 40]);
  });

  it.each<[string, Entry[]]>([
    [
      "entries summing to -1",
      [
        { account: "usdEquity", amount: -100 },
        { account: "usd", amount: 99 },
      ],
    ],
    ["a one-sided entry", [{ account: "usd", amount: 5 }]],
    [
      "two currencies that only sum to zero together",
      [
        { account: "usdEquity", amount: -100 },
        { account: "eur", amount: 100, currency: "EUR" },
      ],
    ],
  ])("refuses %s at COMMIT and writes nothing", async (_label, entries) => {
    const movement = randomUUID();
    await expect(post({ [movement]: entries })).rejects.toMatchObject(refusedAtCommit);
    expect(await entriesOf(movement)).toEqual([]);
  });

  it("refuses deleting, changing or moving one entry of a committed movement", async () => {
    const [movement, other] = [randomUUID(), randomUUID()];
    await post({
      [movement]: [
        { account: "usdEquity", amount: -250 },
        { account: "usd", amount: 250 },
      ],
    });
    const changes = [
      () => db.sql`DELETE FROM ledger_entries WHERE movement_id = ${movement} AND amount = 250`,
      () => db.sql`UPDATE ledger_entries SET amount = 260 WHERE movement_id = ${movement} AND amount = 250`,
      () => db.sql`UPDATE ledger_entries SET movement_id = ${other} WHERE movement_id = ${movement} AND amount = 250`,
    ];
    for (const change of changes) await expect(change()).rejects.toMatchObject(refusedAtCommit);
    expect(await entriesOf(movement)).toEqual([-250, 250]);
    expect(await entriesOf(other)).toEqual([]);
  });
});
