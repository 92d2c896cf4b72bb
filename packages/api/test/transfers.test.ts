import { randomUUID } from "node:crypto";
import { assertIdempotent } from "@oncely/idempotency/testing";
import { describe, expect, it } from "vitest";
import { checkInvariants } from "../src/domain/invariants";
import { accountsOf, balanceOf, type DemoAccounts, snapshotOf, type TestApi, useLedgerApi, visible } from "./harness";

let api: TestApi;
let alice: DemoAccounts;
useLedgerApi((started) => ({ api, alice } = started));

const transfer = (fromAccountId: string, toAccountId: string, amount: number, currency = "USD") => ({
  fromAccountId,
  toAccountId,
  amount,
  currency,
});

describe("transfers.create", () => {
  it("moves money once between two of the principal's accounts, however it is retried", async () => {
    const checking = await balanceOf(api, alice.checking);
    const savings = await balanceOf(api, alice.savings);
    const key = randomUUID();
    const first = await assertIdempotent({
      call: async () =>
        visible(
          await api.mutate("transfers.create", transfer(alice.checking, alice.savings, 12_345), {
            idempotencyKey: key,
          }),
        ),
      snapshot: () => snapshotOf(api),
    });
    expect(first.status).toBe(200);
    const created = JSON.parse(first.body).result.data;
    expect(created).toMatchObject(transfer(alice.checking, alice.savings, 12_345));
    expect(await balanceOf(api, alice.checking)).toBe(checking - 12_345);
    expect(await balanceOf(api, alice.savings)).toBe(savings + 12_345);
    const entries = await api.database.sql`
      SELECT e.account_id, e.amount::int AS amount FROM ledger_entries e
      JOIN transfers t ON t.movement_id = e.movement_id WHERE t.id = ${created.id} ORDER BY e.amount`;
    expect(entries).toEqual([
      { account_id: alice.checking, amount: -12_345 },
      { account_id: alice.savings, amount: 12_345 },
    ]);
  });

  it("stores insufficient funds, writes nothing else, and replays it", async () => {
    const savings = await balanceOf(api, alice.savings);
    const before = await snapshotOf(api, { ignoreTables: ["oncely_idempotency_keys"] });
    const key = randomUUID();
    const first = await assertIdempotent({
      call: async () =>
        visible(
          await api.mutate("transfers.create", transfer(alice.savings, alice.checking, savings + 1), {
            idempotencyKey: key,
          }),
        ),
      snapshot: () => snapshotOf(api),
    });
    expect(first.status).toBe(422);
    const error = JSON.parse(first.body).error;
    expect(error.data.oncelyCode).toBe("insufficient_funds");
    expect(error.message).toContain(`holds ${savings} USD`);
    expect(await snapshotOf(api, { ignoreTables: ["oncely_idempotency_keys"] })).toEqual(before);
  });

  it("stores a currency mismatch as a business error and replays it", async () => {
    const before = await snapshotOf(api, { ignoreTables: ["oncely_idempotency_keys"] });
    const key = randomUUID();
    const first = await assertIdempotent({
      call: async () =>
        visible(
          await api.mutate("transfers.create", transfer(alice.checking, alice.savings, 100, "EUR"), {
            idempotencyKey: key,
          }),
        ),
      snapshot: () => snapshotOf(api),
    });
    expect(first.status).toBe(400);
    expect(JSON.parse(first.body).error.data.oncelyCode).toBe("currency_mismatch");
    expect(await snapshotOf(api, { ignoreTables: ["oncely_idempotency_keys"] })).toEqual(before);
    const [stored] = await api.database.sql`SELECT response_status FROM oncely_idempotency_keys WHERE key = ${key}`;
    expect(stored?.response_status).toBe(400);
  });

  it("runs 40 opposite transfers at once without a deadlock, and the books still balance", async () => {
    const checking = await balanceOf(api, alice.checking);
    const savings = await balanceOf(api, alice.savings);
    const [before] = await api.database.sql`SELECT count(*)::int AS n FROM transfers`;
    // 20 each way, interleaved; each side can cover all 20 of its own, so every one must succeed.
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        api.mutate(
          "transfers.create",
          i % 2 === 0 ? transfer(alice.checking, alice.savings, 1_000) : transfer(alice.savings, alice.checking, 1_000),
          { idempotencyKey: randomUUID() },
        ),
      ),
    );
    // A deadlock would surface as a 500 (PostgreSQL aborts one of the two transactions).
    expect(responses.map((r) => r.status)).toEqual(Array(40).fill(200));
    expect(await balanceOf(api, alice.checking)).toBe(checking);
    expect(await balanceOf(api, alice.savings)).toBe(savings);
    const [after] = await api.database.sql`SELECT count(*)::int AS n FROM transfers`;
    expect(after?.n).toBe((before?.n ?? 0) + 40);
    expect(await checkInvariants(api.database.db)).toEqual([]);
  });

  it("drains an account exactly to zero under concurrent transfers, never below", async () => {
    const bob = await accountsOf(api, "bob");
    const savings = await balanceOf(api, bob.savings);
    const amount = Math.floor(savings / 4);
    const responses = await Promise.all(
      Array.from({ length: 8 }, () =>
        api.mutate("transfers.create", transfer(bob.savings, bob.checking, amount), {
          apiKey: "sk_test_bob",
          idempotencyKey: randomUUID(),
        }),
      ),
    );
    expect(responses.filter((r) => r.status === 200)).toHaveLength(4);
    for (const r of responses.filter((r) => r.status !== 200)) {
      expect(r.json.error.data.oncelyCode).toBe("insufficient_funds");
    }
    expect(await balanceOf(api, bob.savings)).toBe(savings - 4 * amount);
  });
});
