import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createNodeHandler } from "@oncely/api";
import { seedDemo } from "@oncely/db";
import { createTestDatabase, type TestDatabase } from "@oncely/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditSoak } from "../src/audit";
import { Journal, type OperationRecord, type Outcome } from "../src/journal";
import {
  createSoakClient,
  execute,
  learn,
  type Operation,
  openBook,
  type PrincipalBook,
  reconcile,
} from "../src/workload";

/**
 * The audit must be able to fail. A short clean workload passes it; then each kind of
 * damage the soak looks for is fabricated, in the journal or in the database, and caught.
 */

let database: TestDatabase;
let server: http.Server;
let url: string;
const journal = new Journal();
let book: PrincipalBook;

beforeAll(async () => {
  database = await createTestDatabase({ max: 4 });
  await seedDemo(database.db);
  server = http.createServer(createNodeHandler({ db: database.db }));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/trpc`;
  const client = createSoakClient(url, "alice", journal);
  book = await openBook(client, "alice");

  const run = async (operation: (key: string) => Operation, copies = 1) => {
    const key = randomUUID();
    const op = operation(key);
    const outcomes = await Promise.all(Array.from({ length: copies }, () => execute(client, op, key)));
    const first = journal.add({ client: 0, principal: "alice", key, ...op, outcome: outcomes[0] as Outcome });
    for (const outcome of outcomes.slice(1)) {
      journal.add({ client: 0, principal: "alice", key, ...op, outcome, copyOf: first.seq });
    }
    learn(book, op, outcomes[0] as Outcome);
    return outcomes[0] as Outcome;
  };
  const order = await run((key) => ({
    path: "orders.create",
    input: { accountId: book.accounts.checking, amount: 1_000, currency: "USD", description: `soak ${key}` },
  }));
  const orderId = order.kind === "succeeded" ? order.id : "";
  const payment = await run(() => ({ path: "payments.create", input: { orderId } }), 2);
  const paymentId = payment.kind === "succeeded" ? payment.id : "";
  await run(() => ({ path: "refunds.create", input: { paymentId, amount: 400 } }));
  // Stored business refusal: more than is left to refund.
  await run(() => ({ path: "refunds.create", input: { paymentId, amount: 601 } }));
  await run(() => ({
    path: "transfers.create",
    input: { fromAccountId: book.accounts.checking, toAccountId: book.accounts.savings, amount: 250, currency: "USD" },
  }));
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await database?.drop();
});

const recordOf = (path: OperationRecord["path"]) => {
  const record = journal.records.find((r) => r.path === path && r.outcome.kind === "succeeded");
  if (record?.outcome.kind !== "succeeded") throw new Error(`no acknowledged ${path}`);
  return record as OperationRecord & { outcome: Extract<Outcome, { kind: "succeeded" }> };
};

describe("auditSoak", () => {
  it("passes a clean run: every acknowledged write verified, nothing twice", async () => {
    const audit = await auditSoak(database, journal.records);
    expect(audit).toMatchObject({
      ok: true,
      invariantViolations: [],
      lostAcknowledgedWrites: [],
      doubleEffects: [],
      mismatchedAnswers: [],
      unexpectedRefusals: [],
      unresolved: [],
      stuckKeys: [],
    });
    // The payment was sent twice at once with one key: two acknowledged answers, one row.
    expect(audit.counts).toMatchObject({ acknowledged: 5, refused: 1, verified: 5 });
    expect(audit.counts.rows).toEqual({ orders: 1, payments: 1, refunds: 1, transfers: 1 });
  });

  it("catches an acknowledged write that is not in the database", async () => {
    const ghost: OperationRecord = {
      ...recordOf("orders.create"),
      seq: 999,
      key: randomUUID(),
    };
    const audit = await auditSoak(database, [...journal.records, ghost]);
    expect(audit.ok).toBe(false);
    expect(audit.lostAcknowledgedWrites.map((f) => f.detail)).toEqual([
      expect.stringContaining("its key is not in the database"),
    ]);
  });

  it("catches an answer that differs from the stored one, and copies told different things", async () => {
    const order = recordOf("orders.create");
    const told = { ...order, outcome: { ...order.outcome, data: { ...order.outcome.data, amount: 999 } } };
    const copy = { ...told, seq: 1_000, copyOf: order.seq };
    const audit = await auditSoak(database, [...journal.records.filter((r) => r !== order), told, copy]);
    expect(audit.ok).toBe(false);
    expect(audit.mismatchedAnswers.length).toBeGreaterThan(0);

    const other = { ...order, seq: 1_001, copyOf: order.seq, outcome: { ...order.outcome, data: { id: "x" } } };
    const disagreeing = await auditSoak(database, [...journal.records, other]);
    expect(disagreeing.mismatchedAnswers.map((f) => f.detail)).toContainEqual(
      expect.stringContaining("different answers"),
    );
  });

  it("catches an idempotency key left in progress (claimed, never answered)", async () => {
    const key = `stuck-${randomUUID()}`;
    await database.sql`
      INSERT INTO oncely_idempotency_keys (principal_id, key, request_path, fingerprint, status, expires_at)
      SELECT id, ${key}, 'orders.create', repeat('0', 64), 'in_progress', now() + interval '1 day'
      FROM principals WHERE name = 'alice'`;
    try {
      const audit = await auditSoak(database, journal.records);
      expect(audit.ok).toBe(false);
      expect(audit.stuckKeys.map((f) => f.detail)).toEqual([expect.stringContaining(key)]);
    } finally {
      await database.sql`DELETE FROM oncely_idempotency_keys WHERE key = ${key}`;
    }
  });

  it("catches refusals the workload should never get, and operations left without an answer", async () => {
    const refused: OperationRecord = {
      ...recordOf("transfers.create"),
      seq: 1_002,
      key: randomUUID(),
      outcome: { kind: "refused", serverCode: "account_not_found", httpStatus: 404, attempts: 1 },
    };
    const unknown: OperationRecord = {
      ...refused,
      seq: 1_003,
      outcome: { kind: "unknown", errorCode: "network_error", message: "fetch failed", attempts: 9 },
    };
    const audit = await auditSoak(database, [...journal.records, refused, unknown]);
    expect(audit.ok).toBe(false);
    expect(audit.unexpectedRefusals).toHaveLength(1);
    expect(audit.unresolved).toHaveLength(1);
  });

  it("catches a transfer executed twice even though the books still balance", async () => {
    const transfer = recordOf("transfers.create");
    // What a second execution of the same logical transfer would leave: a second row and
    // a second, balanced movement. checkInvariants has nothing to object to.
    await database.sql.begin(async (sql) => {
      const [copy] = await sql<
        { movement_id: string; from_account_id: string; to_account_id: string; amount: string }[]
      >`
        INSERT INTO transfers (principal_id, from_account_id, to_account_id, amount, currency, movement_id)
        SELECT principal_id, from_account_id, to_account_id, amount, currency, gen_random_uuid()
        FROM transfers WHERE id = ${transfer.outcome.id}
        RETURNING movement_id, from_account_id, to_account_id, amount::text`;
      if (!copy) throw new Error("no transfer to copy");
      await sql`
        INSERT INTO ledger_entries (movement_id, account_id, amount, currency, description) VALUES
          (${copy.movement_id}, ${copy.from_account_id}, ${-Number(copy.amount)}, 'USD', 'duplicate'),
          (${copy.movement_id}, ${copy.to_account_id}, ${Number(copy.amount)}, 'USD', 'duplicate')`;
      await sql`UPDATE accounts SET balance = balance - ${copy.amount}::bigint WHERE id = ${copy.from_account_id}`;
      await sql`UPDATE accounts SET balance = balance + ${copy.amount}::bigint WHERE id = ${copy.to_account_id}`;
    });
    const audit = await auditSoak(database, journal.records);
    expect(audit.invariantViolations).toEqual([]);
    expect(audit.ok).toBe(false);
    expect(audit.doubleEffects.map((f) => f.detail)).toEqual([
      expect.stringMatching(/^transfers .* was created but no key's answer names it$/),
    ]);
  });

  it("catches an order created twice for one key, and an acknowledged order whose key vanished", async () => {
    const order = recordOf("orders.create");
    await database.sql`
      INSERT INTO orders (principal_id, account_id, amount, currency, description)
      SELECT principal_id, account_id, amount, currency, description FROM orders WHERE id = ${order.outcome.id}`;
    await database.sql`DELETE FROM oncely_idempotency_keys WHERE key = ${order.key}`;
    const audit = await auditSoak(database, journal.records);
    expect(audit.ok).toBe(false);
    const doubles = audit.doubleEffects.map((f) => f.detail);
    expect(doubles).toContainEqual(`key ${order.key} created 2 orders`);
    expect(audit.lostAcknowledgedWrites.map((f) => f.detail)).toContainEqual(
      expect.stringContaining(`(key ${order.key}) succeeded (${order.outcome.id}) but its key is not in the database`),
    );
  });
});

describe("reconcile", () => {
  it("settles calls that ended without an answer: a replay if it had run, a first run if not", async () => {
    const own = new Journal();
    const client = createSoakClient(url, "bob", own);
    const bob = await openBook(client, "bob");
    const transfer = (amount: number): Operation => ({
      path: "transfers.create",
      input: { fromAccountId: bob.accounts.checking, toAccountId: bob.accounts.savings, amount, currency: "USD" },
    });
    const lost: Outcome = { kind: "unknown", errorCode: "network_error", message: "answer dropped", attempts: 5 };
    // Ran, but its client never heard back.
    const ran = randomUUID();
    const first = await execute(client, transfer(31), ran);
    own.add({ client: 1, principal: "bob", key: ran, ...transfer(31), outcome: lost });
    // Never reached a server.
    const never = randomUUID();
    own.add({ client: 1, principal: "bob", key: never, ...transfer(32), outcome: lost });

    await reconcile(url, own);
    const [ranRecord, neverRecord] = own.records;
    expect(ranRecord?.reconciled).toMatchObject({
      kind: "succeeded",
      replayed: true,
      id: first.kind === "succeeded" ? first.id : "",
    });
    expect(neverRecord?.reconciled).toMatchObject({ kind: "succeeded", replayed: false });
    // (Earlier tests left fabricated damage in this database: look at these two keys only.)
    const audit = await auditSoak(database, own.records);
    const findings = [...audit.unresolved, ...audit.lostAcknowledgedWrites, ...audit.mismatchedAnswers];
    expect(findings.filter((f) => f.detail.includes(ran) || f.detail.includes(never))).toEqual([]);
    expect(audit.counts.verified).toBe(2);
  });
});
