import { command, type Executor } from "./database";
import { integerLiteral, nowExpression } from "./sqlText";
import { KEY_TABLE } from "./store";

export const DEFAULT_SWEEP_BATCH_SIZE = 1_000;

export interface SweepOptions {
  /** Rows deleted per statement: each statement's locks are held only that long. Default 1000. */
  batchSize?: number;
  /** Stop after this many batches (bounds one sweep's total work). Default: until done. */
  maxBatches?: number;
  /** The clock (tests). Default: the database's now(). */
  now?: Date;
  /** Pause between batches so live traffic gets the table in between. Default 0 ms. */
  pauseMs?: number;
}

/**
 * Deletes expired keys in bounded batches, each its own short statement, so no long lock
 * is ever held and live claims keep flowing. Rows locked by a live request are skipped
 * (SKIP LOCKED) and picked up by a later sweep. Phased keys still in progress are kept
 * until they are finished or failed. Returns how many rows were deleted.
 */
export async function sweepExpiredKeys(db: Executor, options: SweepOptions = {}): Promise<number> {
  const batchSize = options.batchSize ?? DEFAULT_SWEEP_BATCH_SIZE;
  const now = options.now?.toISOString() ?? null;
  let deleted = 0;
  for (let batch = 0; options.maxBatches === undefined || batch < options.maxBatches; batch++) {
    const count = await command(
      db,
      `DELETE FROM ${KEY_TABLE}
       WHERE ctid = ANY (ARRAY(
         SELECT ctid FROM ${KEY_TABLE}
         WHERE expires_at <= ${nowExpression(now)} AND status = 'completed'
         LIMIT ${integerLiteral(batchSize)}
         FOR UPDATE SKIP LOCKED
       ))`,
    );
    deleted += count;
    if (count < batchSize) break;
    if (options.pauseMs) await new Promise((r) => setTimeout(r, options.pauseMs));
  }
  return deleted;
}

/**
 * Runs `sweepExpiredKeys` every `intervalMs` until the returned stop() is called.
 * Sweeps never overlap; a failed sweep is reported and the next one runs on time.
 */
export function startSweeper(
  db: Executor,
  options: SweepOptions & {
    intervalMs?: number;
    onSweep?: (deleted: number) => void;
    onError?: (e: unknown) => void;
  } = {},
): { stop: () => Promise<void> } {
  const intervalMs = options.intervalMs ?? 60_000;
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = sweepExpiredKeys(db, options)
      .then((deleted) => options.onSweep?.(deleted), options.onError ?? (() => {}))
      .finally(() => {
        running = null;
      });
  }, intervalMs);
  timer.unref?.();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
