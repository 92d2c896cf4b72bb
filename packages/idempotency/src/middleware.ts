import { type Database, rawTransactionSql, type Transaction } from "@oncely/db";
import { initTRPC, TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { BusinessError, IdempotencyError } from "./errors";
import { fingerprintRequest } from "./fingerprint";
import { IDEMPOTENCY_KEY_HEADER, parseIdempotencyKey } from "./key";
import { type EnginePoint, type IdempotencyOptions, resolveOptions } from "./options";
import { isTransientDatabaseFailure, LOCK_NOT_AVAILABLE, sqlStateOf } from "./postgresErrors";
import { ReplayCounter } from "./replayCounter";
import {
  claimKey,
  findCompletedKey,
  type KeyRef,
  readKey,
  sqlNow,
  type StoredResponse,
  storeResponse,
  takeOverExpiredKey,
} from "./store";

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

  const t = initTRPC.context<IdempotencyContext>().create();

  return t.procedure.use(async ({ ctx, path, input, type, next }) => {
    if (type !== "mutation") {
      throw new TRPCError({
        code: "INTERNAL_SERVER_ERROR",
        message: `idempotent() wraps mutations, not ${type} ${path}`,
      });
    }
    const key = readKeyHeader(ctx.headers);
    if (key === null) {
      if (settings.key === "required") {
        throw refusal(
          "idempotency_key_missing",
          `${path} needs an Idempotency-Key header (for example a UUID) so a retry cannot run it twice`,
        );
      }
      return ctx.db.transaction(async (tx) => {
        const result = await next({ ctx: { tx, idempotencyKey: null as string | null } });
        if (!result.ok) throw result.error;
        return result;
      });
    }
    if ((ctx.callsInRequest ?? 1) > 1) {
      throw refusal(
        "idempotency_key_in_batch",
        "One Idempotency-Key cannot name several operations: send idempotent mutations one per request",
      );
    }

    const ref: KeyRef = { principalId: ctx.principalId, key };
    const fingerprint = fingerprintRequest(path, input);
    const now = sqlNow(settings.clock);
    const point = async (at: EnginePoint) => settings.onPoint?.(at, { path, key, principalId: ctx.principalId });

    const replay = (stored: StoredResponse) => {
      if (stored.fingerprint !== fingerprint) {
        throw refusal(
          "idempotency_key_reused",
          `Idempotency-Key "${key}" was already used for a different request (${stored.requestPath} with other input); use a new key for a new request`,
        );
      }
      ctx.responseHeaders.set(REPLAYED_HEADER, "true");
      counterFor(ctx.db).record(ref);
      return storedOutcome(stored);
    };

    if (settings.fastPath) {
      const stored = await findCompletedKey(ctx.db.$client, ref, now);
      if (stored) return replay(stored);
    }

    const runHandler = (tx: Transaction) => next({ ctx: { tx, idempotencyKey: key as string | null } });
    let outcome: Outcome<Awaited<ReturnType<typeof runHandler>>>;
    try {
      outcome = await ctx.db.transaction(async (tx): Promise<typeof outcome> => {
        const sql = rawTransactionSql(tx);
        const claimRequest = { ...ref, requestPath: path, fingerprint, now, ttlSeconds: settings.ttlSeconds };
        // One round trip: claim the key and set the savepoint business errors roll back to.
        const [claimed] = await Promise.all([
          claimKey(sql, { ...claimRequest, lockTimeoutMs: settings.lockTimeoutMs }),
          sql`SAVEPOINT oncely_handler`.execute(),
        ]);
        if (claimed.length === 0) {
          const existing = await readKey(sql, ref, now);
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
            responseBody: JSON.stringify(result.data) ?? "",
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

function readKeyHeader(headers: Headers): string | null {
  try {
    return parseIdempotencyKey(headers.get(IDEMPOTENCY_KEY_HEADER));
  } catch (error) {
    if (error instanceof IdempotencyError) throw error.toTRPCError();
    throw error;
  }
}

const refusal = (code: ConstructorParameters<typeof IdempotencyError>[0], message: string) =>
  new IdempotencyError(code, message).toTRPCError();

function inProgress(key: string, retryAfterSeconds: number, responseHeaders: Headers): TRPCError {
  responseHeaders.set("Retry-After", String(retryAfterSeconds));
  return refusal(
    "idempotency_key_in_progress",
    `A request with Idempotency-Key "${key}" is still being processed; retry after ${retryAfterSeconds}s`,
  );
}

/** Database failures become answers that tell the client what to do; the rest passes through. */
function translateFailure(error: unknown, key: string, retryAfterSeconds: number, responseHeaders: Headers): unknown {
  if (sqlStateOf(error) === LOCK_NOT_AVAILABLE) return inProgress(key, retryAfterSeconds, responseHeaders);
  if (isTransientDatabaseFailure(error)) {
    responseHeaders.set("Retry-After", String(retryAfterSeconds));
    return new IdempotencyError(
      "transient_failure",
      "A temporary database problem stopped this request; nothing was saved, retry with the same Idempotency-Key",
      { cause: error },
    ).toTRPCError();
  }
  return error;
}

/**
 * The error to store and answer with, if the handler's failure is deterministic for this
 * request: a BusinessError, or a tRPC error whose code the procedure declared storable.
 */
function storableError(error: TRPCError, storableCodes: TRPCError["code"][]): TRPCError | null {
  if (error.cause instanceof BusinessError) return error.cause.toTRPCError();
  if (storableCodes.includes(error.code)) return new TRPCError({ code: error.code, message: error.message });
  return null;
}

interface StoredError {
  code: TRPCError["code"];
  message: string;
  business?: string;
}

function serializeError(error: TRPCError): string {
  const business = error.cause instanceof BusinessError ? error.cause.code : undefined;
  const stored: StoredError = { code: error.code, message: error.message, business };
  return JSON.stringify(stored);
}

/** Turns a stored answer back into what the handler produced: data, or its error. */
function storedOutcome(stored: StoredResponse) {
  if (stored.responseStatus === 200) {
    const data: unknown = stored.responseBody === "" ? undefined : JSON.parse(stored.responseBody);
    // A middleware may answer without calling next(): tRPC reads only `ok` and `data`.
    return { ok: true as const, data, marker: "middlewareMarker" as never };
  }
  const error = JSON.parse(stored.responseBody) as StoredError;
  if (error.business) throw new BusinessError(error.business, error.message, error.code).toTRPCError();
  throw new TRPCError({ code: error.code, message: error.message });
}
