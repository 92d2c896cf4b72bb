import { initTRPC, type TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { type Executor, type OncelyDatabase, query, type SchemalessDatabase, type TransactionOf } from "./database";
import { fingerprintedInput, fingerprintRequest } from "./fingerprint";
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

/**
 * What the procedure's context must provide (the app's createContext fills it). `TDb` is the
 * app's drizzle database type, so handlers get `ctx.tx` typed with the app's own tables.
 */
export interface IdempotencyContext<TDb extends OncelyDatabase = SchemalessDatabase> {
  /** The app's drizzle postgres-js database. The middleware opens the transaction; handlers get it as `ctx.tx`. */
  db: TDb;
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
export function idempotent<TDb extends OncelyDatabase = SchemalessDatabase>(options: IdempotencyOptions = {}) {
  type Transaction = TransactionOf<TDb>;
  const settings = resolveOptions(options);
  const replayCounters = new WeakMap<OncelyDatabase, ReplayCounter>();
  const counterFor = (db: OncelyDatabase) => {
    const existing = replayCounters.get(db);
    if (existing) return existing;
    const counter = new ReplayCounter(db, settings.onBackgroundError);
    replayCounters.set(db, counter);
    return counter;
  };

  const recentKeys = new RecentKeys();
  const t = initTRPC.context<IdempotencyContext<TDb>>().create();

  return t.procedure.use(async ({ ctx, path, input: parsedInput, getRawInput, type, next }) => {
    assertMutation("idempotent()", type, path);
    const key = readKeyHeader(ctx.headers);
    const runHandler = (tx: Transaction) => next({ ctx: { tx, idempotencyKey: key } });
    type HandlerResult = Awaited<ReturnType<typeof runHandler>>;
    if (key === null) {
      if (settings.key === "required") throw missingKey(path);
      const unprotected: HandlerResult = await ctx.db.transaction(async (tx: Transaction) => {
        const result = await runHandler(tx);
        if (!result.ok) throw result.error;
        return result;
      });
      return unprotected;
    }
    if ((ctx.callsInRequest ?? 1) > 1) throw keyInBatch();

    const ref: KeyRef = { principalId: ctx.principalId, key };
    const input = await fingerprintedInput(parsedInput, getRawInput);
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
      const stored = await findCompletedKey(ctx.db, ref, now);
      if (stored) return replay(stored);
    }

    let outcome: Outcome<HandlerResult>;
    try {
      outcome = await ctx.db.transaction(async (tx: Transaction): Promise<typeof outcome> => {
        const sql = tx as Executor;
        const claimRequest = { ...ref, requestPath: path, fingerprint, now, ttlSeconds: settings.ttlSeconds };
        // One round trip: claim the key (its wait bounded by lock_timeout) and set the
        // savepoint business errors roll back to.
        const [claimed, savepoint] = await Promise.allSettled([
          claimKey(sql, { ...claimRequest, lockTimeoutMs: settings.lockTimeoutMs }),
          query(sql, "SAVEPOINT oncely_handler"),
        ]);
        // A failed claim (e.g. the bounded wait ran out) also fails the SAVEPOINT behind it
        // ("transaction aborted"): the claim's error is the one that says what happened.
        if (claimed.status === "rejected") throw claimed.reason;
        if (savepoint.status === "rejected") throw savepoint.reason;
        const claim = claimed.value;
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
          // Not awaited here: the UPDATE shares COMMIT's round trip. It reaches the driver first
          // (it is dispatched now; drizzle sends COMMIT only after this callback settles), and
          // is awaited after the commit: if it failed, PostgreSQL turned the COMMIT into a
          // ROLLBACK and we must say so.
          stored.catch(() => {});
          return { kind: "ran", result, stored };
        }
        const error = storableError(result.error, settings.storableCodes);
        if (!error) throw result.error; // unexpected: everything rolls back, the key stays free
        await Promise.all([
          query(sql, "ROLLBACK TO SAVEPOINT oncely_handler"),
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
