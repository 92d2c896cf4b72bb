import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { createDatabaseMailSink, type MailSink } from "../src/jobs/mailSink";
import { drainOutbox } from "../src/jobs/outboxWorker";
import { createOrder, createPayment, type DemoAccounts, dataOf, type TestApi, useLedgerApi } from "./harness";

let api: TestApi;
let alice: DemoAccounts;
useLedgerApi((started) => ({ api, alice } = started));
// Each test starts with an empty queue and an empty inbox.
beforeEach(async () => {
  await drainOutbox({ db: api.database.db, sink: createDatabaseMailSink(api.database.db) });
  await api.database.sql`DELETE FROM mail_sink`;
});

const pending = async () =>
  (await api.database.sql`SELECT count(*)::int AS n FROM outbox_messages WHERE delivered_at IS NULL`)[0]?.n;

describe("the outbox (write side)", () => {
  it("writes one confirmation per order in the order's transaction, and none for a replay or a refusal", async () => {
    const key = randomUUID();
    const input = { accountId: alice.checking, amount: 1_500, currency: "USD", description: "Tea set" };
    const order = dataOf(await api.mutate("orders.create", input, { idempotencyKey: key }));
    await api.mutate("orders.create", input, { idempotencyKey: key }); // replay
    await api.mutate("orders.create", { ...input, accountId: randomUUID() }, { idempotencyKey: randomUUID() }); // 404

    const messages = await api.database.sql`
      SELECT topic, subject_id, recipient, subject, body FROM outbox_messages WHERE delivered_at IS NULL`;
    expect(messages).toEqual([
      {
        topic: "order_confirmation",
        subject_id: order.id,
        recipient: "alice@example.com",
        subject: "Order confirmation: Tea set",
        body: `We received your order ${order.id} (Tea set) for 15.00 USD.`,
      },
    ]);
  });

  it("writes a payment receipt only when the payment commits", async () => {
    const savings = Number(
      (await api.database.sql`SELECT balance::text FROM accounts WHERE id = ${alice.savings}`)[0]?.balance,
    );
    const tooDear = await createOrder(api, { accountId: alice.savings, amount: savings + 1 });
    const refused = await api.mutate("payments.create", { orderId: tooDear.id }, { idempotencyKey: randomUUID() });
    expect(refused.json.error.data.oncelyCode).toBe("insufficient_funds");
    const payment = await createPayment(api, { accountId: alice.checking, amount: 100 });

    const receipts = await api.database.sql`SELECT subject_id FROM outbox_messages WHERE topic = 'payment_receipt'`;
    expect(receipts).toEqual([{ subject_id: payment.id }]);
  });
});

describe("the outbox worker", () => {
  it("delivers each message once when several workers drain the queue at the same time", async () => {
    for (let i = 0; i < 12; i++) await createOrder(api, { accountId: alice.checking, amount: 100 + i });
    const sink = createDatabaseMailSink(api.database.db);
    const results = await Promise.all([1, 2, 3].map(() => drainOutbox({ db: api.database.db, sink })));
    expect(results.reduce((sum, r) => sum + r.delivered, 0)).toBe(12);
    expect(await pending()).toBe(0);
    const inbox = await api.database.sql`SELECT deliveries FROM mail_sink`;
    expect(inbox).toHaveLength(12);
    expect(inbox.every((m) => m.deliveries === 1)).toBe(true);
  });

  it("keeps a message whose send failed, backs off, and delivers it on a later attempt", async () => {
    const order = await createOrder(api, { accountId: alice.checking, amount: 100 });
    const failing: MailSink = {
      send: async () => {
        throw new Error("SMTP 451: try again later");
      },
    };
    const errors: string[] = [];
    expect(await drainOutbox({ db: api.database.db, sink: failing, onError: (_e, id) => errors.push(id) })).toEqual({
      delivered: 0,
      failed: 1,
    });
    const [row] = await api.database.sql`
      SELECT id, attempts, last_error, delivered_at, next_attempt_at > now() AS waiting
      FROM outbox_messages WHERE subject_id = ${order.id}`;
    expect(row).toMatchObject({
      attempts: 1,
      last_error: "SMTP 451: try again later",
      delivered_at: null,
      waiting: true,
    });
    expect(errors).toEqual([row?.id]);
    // Backing off: a drain now leaves it alone.
    expect(await drainOutbox({ db: api.database.db, sink: createDatabaseMailSink(api.database.db) })).toEqual({
      delivered: 0,
      failed: 0,
    });

    await api.database.sql`UPDATE outbox_messages SET next_attempt_at = now() WHERE id = ${row?.id}`;
    expect(await drainOutbox({ db: api.database.db, sink: createDatabaseMailSink(api.database.db) })).toEqual({
      delivered: 1,
      failed: 0,
    });
    expect(await api.database.sql`SELECT message_id FROM mail_sink`).toEqual([{ message_id: row?.id }]);
  });

  it("sends exactly one email per order even when the worker process is killed between send and acknowledge", async () => {
    const orders = [];
    for (let i = 0; i < 4; i++) orders.push(await createOrder(api, { accountId: alice.checking, amount: 200 + i }));
    const payment = await createPayment(api, { accountId: alice.checking, amount: 999 });
    const messages = 4 + 2; // four confirmations, plus the paid order's confirmation and its receipt

    // One message per transaction: the first worker acknowledges one message, sends the second,
    // and is killed before acknowledging it.
    const crashed = await runWorker({ CRASH_AFTER_SENDS: "2", BATCH_SIZE: "1" }, { killOn: /SENT (\S+)/ });
    const sentNotAcked = crashed.match?.[1];
    expect(crashed.signal).toBe("SIGKILL");
    expect(sentNotAcked).toBeDefined();
    const [state] = await api.database.sql`
      SELECT o.delivered_at, m.deliveries FROM outbox_messages o JOIN mail_sink m ON m.message_id = o.id
      WHERE o.id = ${sentNotAcked ?? ""}`;
    // The crash window, proven: the mail is out, the outbox still says "not delivered".
    expect(state).toEqual({ delivered_at: null, deliveries: 1 });
    expect(await pending()).toBe(messages - 1);

    // A fresh worker redelivers what was not acknowledged; the sink dedupes on the message id.
    const second = await runWorker({ BATCH_SIZE: "1" });
    expect(second.exitCode).toBe(0);
    expect(second.output).toContain(`DRAINED ${messages - 1}`);

    expect(await pending()).toBe(0);
    const orderIds: string[] = [...orders.map((o) => o.id), payment.orderId];
    const perOrder = await api.database.sql`
      SELECT o.subject_id, count(m.*)::int AS emails
      FROM outbox_messages o LEFT JOIN mail_sink m ON m.message_id = o.id
      WHERE o.topic = 'order_confirmation' AND o.subject_id = ANY(${orderIds}::uuid[])
      GROUP BY o.subject_id`;
    expect(perOrder).toHaveLength(5);
    expect(perOrder.every((r) => r.emails === 1)).toBe(true);
    const inbox = await api.database.sql`SELECT message_id, deliveries FROM mail_sink ORDER BY deliveries DESC`;
    expect(inbox).toHaveLength(messages);
    // Exactly the killed message reached the sink twice; it was stored once.
    expect(inbox.filter((m) => m.deliveries > 1)).toEqual([{ message_id: sentNotAcked, deliveries: 2 }]);
  });

  it("redelivers a whole batch once when the worker is killed in the middle of it: still one email each", async () => {
    const orders = [];
    for (let i = 0; i < 5; i++) orders.push(await createOrder(api, { accountId: alice.checking, amount: 300 + i }));
    const before = await pending();
    expect(before).toBeGreaterThanOrEqual(5);

    // One batch holds them all; killed after its second send, nothing of the batch is acknowledged.
    const crashed = await runWorker({ CRASH_AFTER_SENDS: "2", BATCH_SIZE: "50" }, { killOn: /SENT (\S+)/ });
    expect(crashed.signal).toBe("SIGKILL");
    expect(await pending()).toBe(before);

    const second = await runWorker({ BATCH_SIZE: "50" });
    expect(second.output).toContain(`DRAINED ${before}`);
    expect(await pending()).toBe(0);
    const twice = await api.database.sql`SELECT message_id FROM mail_sink WHERE deliveries = 2`;
    expect(twice).toHaveLength(2); // the two sends of the killed batch reached the sink again...
    const perOrder = await api.database.sql`
      SELECT count(m.*)::int AS emails FROM outbox_messages o JOIN mail_sink m ON m.message_id = o.id
      WHERE o.topic = 'order_confirmation' AND o.subject_id = ANY(${orders.map((o) => o.id)}::uuid[])
      GROUP BY o.subject_id`;
    expect(perOrder.map((r) => r.emails)).toEqual([1, 1, 1, 1, 1]); // ...and were stored once
  });
});

const CHILD = path.join(import.meta.dirname, "fixtures", "outbox-worker-child.ts");

interface WorkerRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  match: RegExpExecArray | null;
}

/**
 * Runs the worker fixture as a real process. With `killOn`, SIGKILLs it as soon as its output
 * matches, then waits until PostgreSQL has ended its session (its open transaction rolled back).
 */
async function runWorker(env: Record<string, string>, options: { killOn?: RegExp } = {}): Promise<WorkerRun> {
  const applicationName = `outbox-child-${randomUUID().slice(0, 8)}`;
  const child = spawn(process.execPath, ["--import", "tsx", CHILD], {
    cwd: path.join(import.meta.dirname, ".."),
    env: { ...process.env, ...env, DATABASE_URL: api.database.url, APPLICATION_NAME: applicationName },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let match: RegExpExecArray | null = null;
  const onOutput = (chunk: Buffer) => {
    output += chunk;
    if (options.killOn && !match) {
      match = options.killOn.exec(output);
      if (match) child.kill("SIGKILL");
    }
  };
  child.stdout.on("data", onOutput);
  child.stderr.on("data", onOutput);
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once("exit", (code, sig) => resolve([code, sig])),
  );
  if (options.killOn && !match) throw new Error(`worker exited (${exitCode}) before ${options.killOn}:\n${output}`);
  await sessionsGone(applicationName);
  return { exitCode, signal, output, match };
}

async function sessionsGone(applicationName: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const [row] = await api.database.sql`
      SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = ${applicationName}`;
    if (row?.n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`PostgreSQL still has sessions of ${applicationName}`);
}
