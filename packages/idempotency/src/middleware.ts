import { type Database, pipelinedTransaction, type Transaction } from "@oncely/db";
import { initTRPC, type TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { fingerprintRequest } from "./fingerprint";
import { type EnginePoint, type IdempotencyOptions, resolveOptions } from "./options";
import { RecentKeys } from "./recentKeys";
import {
  assertMutation,
  inProgress,
  keyInBatch,
  keyReused,
  missingKey,
  readKeyHeader,
  translateFailure,
} from "./refusals";
import { ReplayCounter } from "./replayCounter";
import {
  claimKey,
  findCompletedKey,
  type KeyRef,
  readKey,
  type StoredResponse,
  sqlNow,
  storeResponse,
  takeOverExpiredKey,
} from "./store";
import { serializeData, serializeError, storableError, storedOutcome } from "./storedAnswer";

/** Response header set on every answer that came from the key store. */
export const REPLAYED_HEADER = "Idempotent-Replayed";

/** What the procedure's context must provide (the app's createContext fills it). */
export interface IdempotencyContext {
  /** The pool. The middleware opens the transaction; handlers get it as `ctx.tx`. */
  db: Database;
  /** Keys are scoped to this principal: the same key from another one is another key. */
  principalId: string;
  /** Request headers (Web `Headers`, whatever the adapter). */
  headers: Headers;
  /** Headers to add to the response; the adapter's `responseMeta` sends them. */
  responseHeaders: Headers;
  /** How many calls the HTTP request carries (tRPC batching). One key cannot name two. */
  callsInRequest?: number;
}

type Outcome<TResult> =
  | { kind: "replay"; stored: StoredResponse }
  | { kind: "ran"; result: TResult; stored: Promise<unknown> }
  | { kind: "refused"; error: TRPCError };

/**
 * The idempotency plugin. Concatenate it after `.input()` so it fingerprints the parsed
 * input: `authedProcedure.input(schema).concat(idempotent()).mutation(({ ctx }) => ...)`.
 *
 * A new key runs the handler with `ctx.tx`: the key row, the handler's writes and the stored
 * answer commit in ONE transaction. A completed key replays the stored answer; the handler
 * does not run again.
 */
export function idempotent(options: IdempotencyOptions = {}) {
  const settings = resolveOptions(options);
  const replayCounters = new WeakMap<Database, ReplayCounter>();
  const counterFor = (db: Database) => {
    const existing = replayCounters.get(db);
    if (existing) return existing;
    const counter = new ReplayCounter(db.$client, settings.onBackgroundError);
    replayCounters.set(db, counter);
    return counter;
  };

  const recentKeys = new RecentKeys();
  const t = initTRPC.context<IdempotencyContext>().create();

  return t.procedure.use(async ({ ctx, path, input, type, next }) => {
    assertMutation("idempotent()", type, path);
    const key = readKeyHeader(ctx.headers);
    if (key === null) {
      if (settings.key === "required") throw missingKey(path);
      return pipelinedTransaction(ctx.db, async (tx) => {
        const result = await next({ ctx: { tx, idempotencyKey: null as string | null } });
        if (!result.ok) throw result.error;
        return result;
      });
    }
    if ((ctx.callsInRequest ?? 1) > 1) throw keyInBatch();

    const ref: KeyRef = { principalId: ctx.principalId, key };
    const fingerprint = fingerprintRequest(path, input);
    const now = sqlNow(settings.clock);
    const point = async (at: EnginePoint) => settings.onPoint?.(at, { path, key, principalId: ctx.principalId });

    const replay = (stored: StoredResponse) => {
      if (stored.fingerprint !== fingerprint) throw keyReused(key, stored.requestPath);
      ctx.responseHeaders.set(REPLAYED_HEADER, "true");
      counterFor(ctx.db).record(ref);
      return storedOutcome(stored);
    };

    const likelyRetry = recentKeys.seen(ref.principalId, ref.key);
    if (settings.fastPath === true || (settings.fastPath === "auto" && likelyRetry)) {
      const stored = await findCompletedKey(ctx.db.$client, ref, now);
      if (stored) return replay(stored);
    }

    const runHandler = (tx: Transaction) => next({ ctx: { tx, idempotencyKey: key as string | null } });
    let outcome: Outcome<Awaited<ReturnType<typeof runHandler>>>;
    try {
      // BEGIN is not awaited alone: the claim below shares its round trip.
      outcome = await pipelinedTransaction(ctx.db, async (tx, sql): Promise<typeof outcome> => {
        const claimRequest = { ...ref, requestPath: path, fingerprint, now, ttlSeconds: settings.ttlSeconds };
        // One round trip with BEGIN: claim the key (its wait bounded by lock_timeout) and set
        // the savepoint business errors roll back to.
        const [claim] = await Promise.all([
          claimKey(sql, { ...claimRequest, lockTimeoutMs: settings.lockTimeoutMs }),
          sql.unsafe("SAVEPOINT oncely_handler").simple().execute(),
        ]);
        if (!claim.claimed) {
          // Not visible in the claim's snapshot means we waited for its first request: read it now.
          const existing = claim.existing ?? (await readKey(sql, ref, now));
          const takenOver = existing?.expired === true && (await takeOverExpiredKey(sql, claimRequest));
          if (!takenOver) {
            const current = existing?.expired ? await readKey(sql, ref, now) : existing;
            if (current?.status === "completed" && current.responseStatus !== null && current.responseBody !== null) {
              return {
                kind: "replay",
                stored: { ...current, responseStatus: current.responseStatus, responseBody: current.responseBody },
              };
            }
            // Gone (swept) or held by a phased request: ask the client to come back.
            return { kind: "refused", error: inProgress(key, settings.retryAfterSeconds, ctx.responseHeaders) };
          }
        }

        await point("claimed");
        const result = await runHandler(tx);
        if (result.ok) {
          await point("executed");
          const stored = storeResponse(sql, {
            ...ref,
            responseStatus: 200,
            responseBody: serializeData(result.data),
          });
          // Not awaited here: the UPDATE shares COMMIT's round trip. Awaited after the commit:
          // if it failed, PostgreSQL turned the COMMIT into a ROLLBACK and we must say so.
          stored.catch(() => {});
          return { kind: "ran", result, stored };
        }
        const error = storableError(result.error, settings.storableCodes);
        if (!error) throw result.error; // unexpected: everything rolls back, the key stays free
        await Promise.all([
          sql`ROLLBACK TO SAVEPOINT oncely_handler`.execute(),
          storeResponse(sql, {
            ...ref,
            responseStatus: getHTTPStatusCodeFromError(error),
            responseBody: serializeError(error),
          }),
        ]);
        return { kind: "refused", error };
      });
      if (outcome.kind === "ran") {
        await outcome.stored;
        await point("committed");
      }
    } catch (error) {
      throw translateFailure(error, key, settings.retryAfterSeconds, ctx.responseHeaders);
    }

    switch (outcome.kind) {
      case "ran":
        return outcome.result;
      case "replay":
        return replay(outcome.stored);
      case "refused":
        throw outcome.error;
    }
  });
}
