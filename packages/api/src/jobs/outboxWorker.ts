import { asc, type Database, eq, inArray, lte, schema, sql } from "@oncely/db";
import type { MailMessage, MailSink } from "./mailSink";

/**
 * The transactional outbox, delivery side. Messages are delivered in batches, each batch in
 * its own transaction: lock up to `batchSize` due rows (`FOR UPDATE SKIP LOCKED`, so any
 * number of workers share the queue), send them one by one, mark the sent ones delivered in
 * one UPDATE, commit. A worker that dies after sending and before the commit leaves the batch
 * undelivered and unlocked (PostgreSQL rolls the dead session back), so the next worker sends
 * it again: delivery is at least once, and the receiver dedupes on the message id (see
 * mailSink.ts), which together give one email per message. Batches cost one transaction for
 * many messages instead of one each.
 */

const { outboxMessages } = schema;

/** Messages locked, sent and acknowledged per transaction. */
export const DEFAULT_OUTBOX_BATCH_SIZE = 20;

export interface OutboxWorkerOptions {
  db: Database;
  sink: MailSink;
  /** Messages per transaction. Default 20. */
  batchSize?: number;
  /**
   * Runs after the sink accepted a message and before it is marked delivered: the window
   * this design must survive. Tests kill the worker here.
   */
  afterSend?: (message: MailMessage) => Promise<void> | void;
  /** Reports a failed send (the message is retried after a backoff). */
  onError?: (error: unknown, messageId: string) => void;
  /**
   * How long a send may hold its rows. PostgreSQL ends a session idle in its transaction this
   * long, so a hung worker cannot keep messages locked forever. Default 60 s.
   */
  maxSendMs?: number;
}

export interface DeliveryCounts {
  delivered: number;
  failed: number;
}

/** Longest wait before retrying a message whose send failed (backoff doubles up to this). */
const MAX_BACKOFF_SECONDS = 300;

/** Delivers one batch of due messages; `null` when none was due. */
export async function deliverDueMessages(options: OutboxWorkerOptions): Promise<DeliveryCounts | null> {
  const { db, sink } = options;
  return db.transaction(async (tx) => {
    await tx.execute(
      sql`SELECT set_config('idle_in_transaction_session_timeout', ${`${options.maxSendMs ?? 60_000}ms`}, true)`,
    );
    const rows = await tx
      .select()
      .from(outboxMessages)
      .where(sql`${outboxMessages.deliveredAt} IS NULL AND ${lte(outboxMessages.nextAttemptAt, sql`now()`)}`)
      .orderBy(asc(outboxMessages.nextAttemptAt), asc(outboxMessages.id))
      .limit(options.batchSize ?? DEFAULT_OUTBOX_BATCH_SIZE)
      .for("update", { skipLocked: true });
    if (rows.length === 0) return null;

    const delivered: string[] = [];
    let failed = 0;
    for (const row of rows) {
      const message: MailMessage = { messageId: row.id, to: row.recipient, subject: row.subject, body: row.body };
      try {
        await sink.send(message);
      } catch (error) {
        failed++;
        options.onError?.(error, row.id);
        await tx
          .update(outboxMessages)
          .set({
            attempts: sql`${outboxMessages.attempts} + 1`,
            lastError: error instanceof Error ? error.message : String(error),
            nextAttemptAt: sql`now() + make_interval(secs => least(${MAX_BACKOFF_SECONDS}, power(2, ${outboxMessages.attempts})))`,
          })
          .where(eq(outboxMessages.id, row.id));
        continue;
      }
      await options.afterSend?.(message);
      delivered.push(row.id);
    }
    if (delivered.length > 0) {
      await tx
        .update(outboxMessages)
        .set({ attempts: sql`${outboxMessages.attempts} + 1`, lastError: null, deliveredAt: sql`now()` })
        .where(inArray(outboxMessages.id, delivered));
    }
    return { delivered: delivered.length, failed };
  });
}

/** Delivers due messages until none is left; failed ones wait for their backoff. */
export async function drainOutbox(options: OutboxWorkerOptions): Promise<DeliveryCounts> {
  const counts = { delivered: 0, failed: 0 };
  for (;;) {
    const batch = await deliverDueMessages(options);
    if (!batch) return counts;
    counts.delivered += batch.delivered;
    counts.failed += batch.failed;
  }
}

export interface RunningOutboxWorker {
  /** Finishes the message in hand, then resolves. */
  stop: () => Promise<void>;
}

/** Drains the outbox, sleeps `pollIntervalMs` (default 1 s), and again, until stopped. */
export function startOutboxWorker(
  options: OutboxWorkerOptions & { pollIntervalMs?: number; onLoopError?: (error: unknown) => void },
): RunningOutboxWorker {
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  let stopping = false;
  let wake = () => {};
  const loop = (async () => {
    while (!stopping) {
      try {
        await drainOutbox(options);
      } catch (error) {
        // The database went away or similar: nothing was acknowledged, so nothing is lost.
        options.onLoopError?.(error);
      }
      if (stopping) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollIntervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();
  return {
    stop: async () => {
      stopping = true;
      wake();
      await loop;
    },
  };
}
