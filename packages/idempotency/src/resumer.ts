import { TRPCError } from "@trpc/server";
import type { Executor } from "./database";
import { failAbandonedKey, findAbandonedKeys } from "./phasedStore";
import { type SqlNow, sqlNow } from "./store";
import { serializeError } from "./storedAnswer";

// What every retry of a given-up request is answered with.
const ABANDONED = serializeError(
  new TRPCError({
    code: "INTERNAL_SERVER_ERROR",
    message: "This request could not be completed and was abandoned; contact support with its Idempotency-Key",
  }),
);

export interface AbandonedRequest {
  principalId: string;
  key: string;
  /** The procedure path, e.g. "payments.capture". */
  path: string;
  /** The parsed input the first attempt was called with. */
  input: unknown;
}

export interface ResumeOptions {
  /**
   * Calls the procedure again as the client would: same principal, same key, same input
   * (e.g. through tRPC's createCaller). The phased middleware takes the expired lease over
   * and skips the phases that finished.
   */
  invoke: (request: AbandonedRequest) => Promise<unknown>;
  /** Keys handled per run. Default 100. */
  limit?: number;
  /** Keys in progress for longer than this are failed instead of resumed. Default 24 h. */
  giveUpAfterSeconds?: number;
  /** The clock (tests). Default: the database's now(). */
  clock?: () => Date;
}

export interface ResumeReport {
  resumed: number;
  failed: number;
  /** Resumptions that threw (the key stays in progress for the next run). */
  errors: { key: string; error: unknown }[];
}

/**
 * Finishes phased requests whose worker died: every in-progress key without a live lease is
 * run again through `invoke`, or, if it has been stuck longer than `giveUpAfterSeconds`,
 * completed with a stored 500 that every retry of it will get.
 */
export async function resumeAbandonedKeys(db: Executor, options: ResumeOptions): Promise<ResumeReport> {
  const now: SqlNow = sqlNow(options.clock);
  const giveUpAfterSeconds = options.giveUpAfterSeconds ?? 24 * 60 * 60;
  const report: ResumeReport = { resumed: 0, failed: 0, errors: [] };
  for (const abandoned of await findAbandonedKeys(db, { limit: options.limit ?? 100, now })) {
    if (abandoned.ageSeconds > giveUpAfterSeconds) {
      const failed = await failAbandonedKey(db, { ...abandoned, responseStatus: 500, responseBody: ABANDONED, now });
      if (failed) report.failed++;
      continue;
    }
    try {
      await options.invoke({
        principalId: abandoned.principalId,
        key: abandoned.key,
        path: abandoned.requestPath,
        input: JSON.parse(abandoned.requestBody),
      });
      report.resumed++;
    } catch (error) {
      // A stored business error is a finished request too; anything else is retried next run.
      if (error instanceof TRPCError && error.code !== "INTERNAL_SERVER_ERROR" && error.code !== "CONFLICT") {
        report.resumed++;
      } else {
        report.errors.push({ key: abandoned.key, error });
      }
    }
  }
  return report;
}
