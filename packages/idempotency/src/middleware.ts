import { initTRPC, type TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { ClaimSlots } from "./claimSlots";
import { type Executor, type OncelyDatabase, query, type SchemalessDatabase, type TransactionOf } from "./database";
import { fingerprintedInput, fingerprintRequest } from "./fingerprint";
import { type EnginePoint, type IdempotencyOptions, resolveOptions } from "./options";
import { isKeyRowConflict } from "./postgresErrors";
import { RecentKeys } from "./recentKeys";
import {
  assertMutation,
  inProgress,
  keyInBatch,
  keyReused,
  missingKey,
  readKeyHeader,
  translateFailure,
  waitersFull,
} from "./refusals";
import { ReplayCounter } from "./replayCounter";
import {
  completedAnswer,
  deleteExpiredKey,
  findKey,
  insertAnswer,
  type KeyRef,
  type KeyRow,
  lockKey,
  sqlNow,
  tryClaimKey,
} from "./store";
import { replayStored, serializeData, serializeError, storableError } from "./storedAnswer";

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

/**
 * Awaits statements sent together on one connection. When one fails, those behind it fail
 * too ("transaction aborted"): the first failure is the one that says what happened.
 */
async function inOrder<T extends readonly unknown[]>(steps: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(steps);
  for (const step of settled) if (step.status === "rejected") throw step.reason;
  return settled.map((step) => (step as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** What a claim found or did, inside its transaction. */
type Outcome<TResult> =
  | { kind: "replay"; row: KeyRow }
  | { kind: "ran"; result: TResult; stored: Promise<unknown> }
  | { kind: "refused"; error: TRPCError };

/**
 * The idempotency plugin. Concatenate it after `.input()` so it fingerprints the parsed
 * input: `t.procedure.input(schema).concat(idempotent<typeof db>()).mutation(({ ctx }) => ...)`.
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
  const slots = new ClaimSlots(settings.maxWaitersPerKey, settings.maxWaitersPerPrincipal);
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
    const answer = { ...ref, requestPath: path, fingerprint, ttlSeconds: settings.ttlSeconds, now };
    const point = async (at: EnginePoint) =>
      settings.onPoint?.(at, { path, key, principalId: ctx.principalId, context: ctx });
    const retryLater = () => inProgress(key, settings.retryAfterSeconds, ctx.responseHeaders);

    /** The answer to give for a row someone already wrote under the key. */
    const answerFrom = (row: KeyRow) => {
      if (row.fingerprint !== fingerprint) throw keyReused(key, row.requestPath);
      const stored = completedAnswer(row);
      if (!stored) throw retryLater(); // held by a phased request, or gone meanwhile
      counterFor(ctx.db).record(ref);
      return replayStored(stored, { key, fingerprint, responseHeaders: ctx.responseHeaders });
    };

    const likelyRetry = recentKeys.seen(ref.principalId, ref.key);
    if (settings.fastPath === true || (settings.fastPath === "auto" && likelyRetry)) {
      const row = await findKey(ctx.db, ref, now);
      if (row && completedAnswer(row)) return answerFrom(row);
    }

    const leave = slots.enter(ref);
    if (!leave) throw waitersFull(key, settings.retryAfterSeconds, ctx.responseHeaders);
    try {
      /**
       * Takes the key's lock, reads its row and sets the savepoint business errors roll back
       * to, in one round trip when nobody holds the key. When someone does, waits for it
       * (bounded), then reads the row as a statement of its own, so it sees what that holder
       * committed. Returns the row that answers this request instead, or null when the key is
       * ours to run.
       */
      const claim = async (tx: Executor): Promise<KeyRow | null> => {
        const [attempt] = await inOrder([tryClaimKey(tx, ref, now), query(tx, "SAVEPOINT oncely_handler")]);
        let row = attempt.row;
        if (!attempt.locked) {
          // Both in one write: the read reaches the connection behind the lock (a test watches the order).
          [, row] = await inOrder([lockKey(tx, ref, settings.lockTimeoutMs), findKey(tx, ref, now)]);
        }
        if (!row?.expired) return row;
        await deleteExpiredKey(tx, ref, now); // an expired key counts as new
        return null;
      };

      let outcome: Outcome<HandlerResult>;
      try {
        outcome = await ctx.db.transaction(async (tx: Transaction): Promise<Outcome<HandlerResult>> => {
          const existing = await claim(tx as Executor);
          if (existing) return { kind: "replay", row: existing };
          await point("claimed");
          const result = await runHandler(tx);
          if (!result.ok) {
            const error = storableError(result.error, settings.storableCodes);
            if (!error) throw result.error; // unexpected: everything rolls back, the key stays free
            // A business outcome: the handler's writes go, its answer is stored, while we still
            // hold the key (a duplicate waiting on it then replays this answer).
            // In turn, not pipelined: the rollback must reach PostgreSQL before the INSERT.
            await query(tx as Executor, "ROLLBACK TO SAVEPOINT oncely_handler");
            await insertAnswer(tx as Executor, {
              ...answer,
              responseStatus: getHTTPStatusCodeFromError(error),
              responseBody: serializeError(error),
            });
            return { kind: "refused", error };
          }
          await point("executed");
          // Not awaited here: the INSERT is dispatched now, so it reaches the connection before
          // the COMMIT drizzle sends once this callback settles, and shares its round trip. It is
          // awaited after the commit: had it failed, PostgreSQL turned the COMMIT into a ROLLBACK.
          const stored = insertAnswer(tx as Executor, {
            ...answer,
            responseStatus: 200,
            responseBody: serializeData(result.data),
          });
          stored.catch(() => {});
          return { kind: "ran", result, stored };
        });
        if (outcome.kind === "ran") {
          await outcome.stored;
          await point("committed");
        }
      } catch (error) {
        if (!isKeyRowConflict(error)) throw error;
        // Someone wrote the key's row between our read and our commit (a request that does not
        // take our lock, e.g. a phased one): our writes rolled back, theirs answer.
        const row = await findKey(ctx.db, ref, now);
        outcome = row ? { kind: "replay", row } : { kind: "refused", error: retryLater() };
      }

      switch (outcome.kind) {
        case "ran":
          return outcome.result;
        case "replay":
          return answerFrom(outcome.row);
        case "refused":
          throw outcome.error;
      }
    } catch (error) {
      throw translateFailure(error, key, settings.retryAfterSeconds, ctx.responseHeaders);
    } finally {
      leave();
    }
  });
}
