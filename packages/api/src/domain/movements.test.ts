import { randomUUID } from "node:crypto";
import { seedDemo } from "@oncely/db";
import { createTestDatabase, type TestDatabase } from "@oncely/db/testing";
import { BusinessError } from "@oncely/idempotency";
import { databaseSnapshot } from "@oncely/idempotency/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkInvariants } from "./invariants";
import { InvalidMovementError, type Movement, postMovement } from "./movements";

let database: TestDatabase;
let alice: { checking: string; savings: string; merchant: string; equity: string };
let bobChecking: string;

beforeAll(async () => {
  database = await createTestDatabase();
  await seedDemo(database.db);
  const rows = await database.sql<{ id: string; name: string; kind: string; principal: string }[]>`
    SELECT a.id, a.name, a.kind, p.name AS principal FROM accounts a JOIN principals p ON p.id = a.principal_id`;
  const id = (predicate: (r: (typeof rows)[number]) => boolean) => rows.find(predicate)?.id ?? "";
  alice = {
    checking: id((r) => r.name === "Alice Checking"),
    savings: id((r) => r.name === "Alice Savings"),
    merchant: id((r) => r.principal === "alice" && r.kind === "merchant"),
    equity: id((r) => r.principal === "alice" && r.kind === "equity"),
  };
  bobChecking = id((r) => r.name === "Bob Checking");
});
afterAll(() => database.drop());

const post = (movement: Movement) => database.db.transaction((tx) => postMovement(tx, movement));
const move = (entries: Movement["entries"], currency = "USD"): Movement => ({ description: "test", currency, entries });

describe("postMovement", () => {
  it("writes one balanced pair of entries and applies them to the balances", async () => {
    const before = await balances();
    const { movementId } = await post(
      move([
        { accountId: alice.checking, amount: -250 },
        { accountId: alice.savings, amount: 250 },
      ]),
    );
    const after = await balances();
    expect(after[alice.checking]).toBe((before[alice.checking] ?? 0) - 250);
    expect(after[alice.savings]).toBe((before[alice.savings] ?? 0) + 250);
    const entries = await database.sql`SELECT amount::int FROM ledger_entries WHERE movement_id = ${movementId}`;
    expect(entries.map((e) => e.amount).sort()).toEqual([-250, 250]);
    expect(await checkInvariants(database.db)).toEqual([]);
  });

  it("books movements of three or more entries", async () => {
    await post(
      move([
        { accountId: alice.checking, amount: -30 },
        { accountId: alice.savings, amount: 10 },
        { accountId: alice.merchant, amount: 20 },
      ]),
    );
    expect(await checkInvariants(database.db)).toEqual([]);
  });

  it.each([
    ["unbalanced", [{ amount: -100 }, { amount: 99 }], "unbalanced"],
    ["a single entry", [{ amount: 0 }], "at least two"],
    ["a zero entry", [{ amount: 0 }, { amount: 0 }], "non-zero"],
    ["a fractional amount", [{ amount: -1.5 }, { amount: 1.5 }], "non-zero integer"],
    ["an unsafe integer", [{ amount: -(2 ** 53) }, { amount: 2 ** 53 }], "non-zero integer"],
  ])("refuses %s input and writes nothing", async (_label, amounts, message) => {
    const accounts = [alice.checking, alice.savings];
    const before = await databaseSnapshot(database.db);
    const entries = amounts.map((e, i) => ({ accountId: accounts[i] ?? "", amount: e.amount }));
    await expect(post(move(entries))).rejects.toThrow(message);
    await expect(post(move(entries))).rejects.toBeInstanceOf(InvalidMovementError);
    expect(await databaseSnapshot(database.db)).toEqual(before);
  });

  it.each([
    ["the same account twice", () => [alice.checking, alice.checking], "once"],
    ["an unknown account", () => [alice.checking, randomUUID()], "does not exist"],
    ["two principals' accounts", () => [alice.checking, bobChecking], "one principal"],
  ])("refuses %s and writes nothing", async (_label, ids, message) => {
    const [from = "", to = ""] = ids();
    const before = await databaseSnapshot(database.db);
    await expect(
      post(
        move([
          { accountId: from, amount: -1 },
          { accountId: to, amount: 1 },
        ]),
      ),
    ).rejects.toThrow(message);
    expect(await databaseSnapshot(database.db)).toEqual(before);
  });

  it("refuses a currency other than the accounts'", async () => {
    await expect(
      post(
        move(
          [
            { accountId: alice.checking, amount: -1 },
            { accountId: alice.savings, amount: 1 },
          ],
          "EUR",
        ),
      ),
    ).rejects.toThrow("holds USD");
  });

  it("raises insufficient_funds as a business error instead of going below zero", async () => {
    const savings = (await balances())[alice.savings] ?? 0;
    const before = await databaseSnapshot(database.db);
    const attempt = post(
      move([
        { accountId: alice.savings, amount: -(savings + 1) },
        { accountId: alice.checking, amount: savings + 1 },
      ]),
    );
    await expect(attempt).rejects.toBeInstanceOf(BusinessError);
    await expect(attempt).rejects.toMatchObject({ code: "insufficient_funds" });
    expect(await databaseSnapshot(database.db)).toEqual(before);
  });

  it("lets the equity account (allow_negative) go further below zero", async () => {
    await post(
      move([
        { accountId: alice.equity, amount: -1_000 },
        { accountId: alice.checking, amount: 1_000 },
      ]),
    );
    expect((await balances())[alice.equity]).toBeLessThan(-1_000);
    expect(await checkInvariants(database.db)).toEqual([]);
  });
});

describe("checkInvariants", () => {
  it("holds on the seeded database", async () => {
    expect(await checkInvariants(database.db)).toEqual([]);
  });

  // Each case commits a corruption, checks, and undoes it, so the cases stay independent.
  it.each([
    [
      "a balance changed without an entry",
      "UPDATE accounts SET balance = balance + 1 WHERE name = 'Alice Savings'",
      "UPDATE accounts SET balance = balance - 1 WHERE name = 'Alice Savings'",
      ["balance_equals_entries", "balances_sum_to_zero"],
    ],
    [
      "a one-sided entry",
      // The database refuses it at COMMIT (migration 0001's trigger): switched off to corrupt.
      `ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_movement_balanced;
       INSERT INTO ledger_entries (movement_id, account_id, amount, currency, description)
       SELECT gen_random_uuid(), id, 5, 'USD', 'corrupt' FROM accounts WHERE name = 'Bob Savings';`,
      `DELETE FROM ledger_entries WHERE description = 'corrupt';
       ALTER TABLE ledger_entries ENABLE TRIGGER ledger_entries_movement_balanced;`,
      ["balance_equals_entries", "movement_balanced"],
    ],
    [
      "a negative balance on a customer account",
      `ALTER TABLE accounts DROP CONSTRAINT accounts_balance_non_negative;
       UPDATE accounts SET balance = -balance - 1 WHERE name = 'Bob Checking';`,
      `UPDATE accounts SET balance = -balance - 1 WHERE name = 'Bob Checking';
       ALTER TABLE accounts ADD CONSTRAINT accounts_balance_non_negative CHECK (allow_negative OR balance >= 0);`,
      ["balance_equals_entries", "balances_sum_to_zero", "no_forbidden_negative_balance"],
    ],
    [
      "a paid order without a payment",
      `INSERT INTO orders (principal_id, account_id, amount, currency, status, description)
       SELECT principal_id, id, 1, 'USD', 'paid', 'corrupt' FROM accounts WHERE name = 'Alice Checking'`,
      "DELETE FROM orders WHERE description = 'corrupt'",
      ["payment_matches_order"],
    ],
  ])("finds %s", async (_label, corrupt, undo, expected) => {
    await database.sql.unsafe(corrupt).simple();
    try {
      const violations = await checkInvariants(database.db);
      expect([...new Set(violations.map((v) => v.invariant))].sort()).toEqual(expected);
    } finally {
      await database.sql.unsafe(undo).simple();
    }
    expect(await checkInvariants(database.db)).toEqual([]);
  });
});

async function balances(): Promise<Record<string, number>> {
  const rows = await database.sql<{ id: string; balance: string }[]>`SELECT id, balance::text FROM accounts`;
  return Object.fromEntries(rows.map((r) => [r.id, Number(r.balance)]));
}
