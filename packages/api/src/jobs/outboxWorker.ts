import { asc, type Database, eq, lte, schema, sql } from "@oncely/db";
import type { MailMessage, MailSink } from "./mailSink";

/**
 * The transactional outbox, delivery side. Each message is delivered in its own transaction:
 * lock one due row (`FOR UPDATE SKIP LOCKED`, so any number of workers share the queue),
 * send it, mark it delivered, commit. A worker that dies after sending and before the commit
 * leaves the row undelivered and unlocked (PostgreSQL rolls the dead session back), so the
 * next worker sends it again: delivery is at least once, and the receiver dedupes on the
 * message id (see mailSink.ts), which together give one email per message.
 */

const { outboxMessages } = schema;

export interface OutboxWorkerOptions {
  db: Database;
  sink: MailSink;
  /**
   * Runs after the sink accepted a message and before it is marked delivered: the window
   * this design must survive. Tests kill the worker here.
   */
  afterSend?: (message: MailMessage) => Promise<void> | void;
  /** Reports a failed send (the message is retried after a backoff). */
  onError?: (error: unknown, messageId: string) => void;
  /**
   * How long a send may hold its row. PostgreSQL ends a session idle in its transaction this
   * long, so a hung worker cannot keep a message locked forever. Default 60 s.
   */
  maxSendMs?: number;
}

export type DeliveryOutcome = "delivered" | "failed" | "idle";

/** Longest wait before retrying a message whose send failed (backoff doubles up to this). */
const MAX_BACKOFF_SECONDS = 300;

/** Delivers at most one due message. */
export async function deliverNextMessage(options: OutboxWorkerOptions): Promise<DeliveryOutcome> {
  const { db, sink } = options;
  return db.transaction(async (tx) => {
    await tx.execute(
      sql`SELECT set_config('idle_in_transaction_session_timeout', ${`${options.maxSendMs ?? 60_000}ms`}, true)`,
    );
    const [row] = await tx
      .select()
      .from(outboxMessages)
      .where(sql`${outboxMessages.deliveredAt} IS NULL AND ${lte(outboxMessages.nextAttemptAt, sql`now()`)}`)
      .orderBy(asc(outboxMessages.nextAttemptAt), asc(outboxMessages.id))
      .limit(1)
      .for("update", { skipLocked: true });
    if (!row) return "idle";

    const message: MailMessage = { messageId: row.id, to: row.recipient, subject: row.subject, body: row.body };
    try {
      await sink.send(message);
    } catch (error) {
      options.onError?.(error, row.id);
      await tx
        .update(outboxMessages)
        .set({
          attempts: sql`${outboxMessages.attempts} + 1`,
          lastError: error instanceof Error ? error.message : String(error),
          nextAttemptAt: sql`now() + make_interval(secs => least(${MAX_BACKOFF_SECONDS}, power(2, ${outboxMessages.attempts})))`,
        })
        .where(eq(outboxMessages.id, row.id));
      return "failed";
    }
    await options.afterSend?.(message);
    await tx
      .update(outboxMessages)
      .set({ attempts: sql`${outboxMessages.attempts} + 1`, lastError: null, deliveredAt: sql`now()` })
      .where(eq(outboxMessages.id, row.id));
    return "delivered";
  });
}

/** Delivers due messages until none is left; failed ones wait for their backoff. */
export async function drainOutbox(options: OutboxWorkerOptions): Promise<{ delivered: number; failed: number }> {
  const counts = { delivered: 0, failed: 0 };
  for (;;) {
    const outcome = await deliverNextMessage(options);
    if (outcome === "idle") return counts;
    counts[outcome]++;
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
