import type { Database, Transaction } from "@oncely/db";
import { sql } from "@oncely/db";
import { initTRPC, TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { BusinessError, IdempotencyError } from "./errors";
import { fingerprintRequest } from "./fingerprint";
import { IDEMPOTENCY_KEY_HEADER, parseIdempotencyKey } from "./key";
import { claimKey, findStoredResponse, type KeyRef, recordReplay, type StoredResponse, storeResponse } from "./store";

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
}

export interface IdempotencyOptions {
  /** "required": no key is a 400. "optional": no key runs the handler once, unprotected. */
  key?: "required" | "optional";
  /** How long a completed key replays. Default 24 h. */
  ttlSeconds?: number;
  /** How long a duplicate waits for an in-flight first request before a 409. Default 5 s. */
  lockTimeoutMs?: number;
  /** `Retry-After` (seconds) sent with that 409. Default 1. */
  retryAfterSeconds?: number;
  /** Called when counting a replay fails (the replay itself has been answered). */
  onBackgroundError?: (error: unknown) => void;
}

export const DEFAULT_TTL_SECONDS = 24 * 60 * 60;
export const DEFAULT_LOCK_TIMEOUT_MS = 5_000;
export const DEFAULT_RETRY_AFTER_SECONDS = 1;

// PostgreSQL SQLSTATE: lock_timeout expired while waiting for the first request's row lock.
const LOCK_NOT_AVAILABLE = "55P03";

/**
 * The idempotency plugin. Concatenate it after `.input()` so it fingerprints the parsed
 * input: `authedProcedure.input(schema).concat(idempotent()).mutation(({ ctx }) => ...)`.
 *
 * A new key runs the handler with `ctx.tx`: the key row, the handler's writes and the stored
 * answer commit in ONE transaction. A completed key replays the stored answer; the handler
 * does not run again.
 */
export function idempotent(options: IdempotencyOptions = {}) {
  const keyMode = options.key ?? "required";
  const ttlSeconds = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  const lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const retryAfterSeconds = options.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS;
  const onBackgroundError = options.onBackgroundError ?? (() => {});

  const t = initTRPC.context<IdempotencyContext>().create();

  return t.procedure.use(async ({ ctx, path, input, type, next }) => {
    if (type !== "mutation") {
      throw new TRPCError({
        code: "INTERNAL_SERVER_ERROR",
        message: `idempotent() wraps mutations, not ${type} ${path}`,
      });
    }
    const key = readKey(ctx.headers);

    if (key === null) {
      if (keyMode === "required") {
        throw new IdempotencyError(
          "idempotency_key_missing",
          `${path} needs an Idempotency-Key header (for example a UUID) so a retry cannot run it twice`,
        ).toTRPCError();
      }
      return ctx.db.transaction(async (tx) => {
        const result = await next({ ctx: { tx, idempotencyKey: null as string | null } });
        if (!result.ok) throw result.error;
        return result;
      });
    }

    const ref: KeyRef = { principalId: ctx.principalId, key };
    const fingerprint = fingerprintRequest(path, input);
    const replay = (stored: StoredResponse) => {
      if (stored.fingerprint !== fingerprint) {
        throw new IdempotencyError(
          "idempotency_key_reused",
          `Idempotency-Key "${key}" was already used for a different request (${stored.requestPath} with other input); use a new key for a new request`,
        ).toTRPCError();
      }
      ctx.responseHeaders.set(REPLAYED_HEADER, "true");
      recordReplay(ctx.db, ref).catch(onBackgroundError);
      return storedOutcome(stored);
    };

    // Fast path: a completed key is answered by one indexed read, outside any transaction.
    const stored = await findStoredResponse(ctx.db, ref);
    if (stored) return replay(stored);

    try {
      return await ctx.db.transaction(async (tx) => {
        await tx.execute(sql`SELECT set_config('lock_timeout', ${`${lockTimeoutMs}ms`}, true)`);
        const claimed = await claimKey(tx, { ...ref, requestPath: path, fingerprint, ttlSeconds });
        if (!claimed) {
          // The key committed while we waited on its lock (or it was live all along).
          const winner = await findStoredResponse(tx, ref);
          if (!winner) throw new Error(`key ${key} is neither claimable nor completed`);
          return replay(winner);
        }

        // Business errors roll back to here; the key row above stays and stores the error.
        await tx.execute(sql`SAVEPOINT oncely_handler`);
        const result = await next({ ctx: { tx: tx as Transaction, idempotencyKey: key as string | null } });
        if (result.ok) {
          await storeResponse(tx, { ...ref, responseStatus: 200, responseBody: JSON.stringify(result.data) ?? "" });
          return result;
        }
        const business = result.error.cause;
        if (!(business instanceof BusinessError)) throw result.error; // rolls everything back
        await tx.execute(sql`ROLLBACK TO SAVEPOINT oncely_handler`);
        // The same conversion as on replay, so the first answer and every replay match.
        const error = business.toTRPCError();
        await storeResponse(tx, {
          ...ref,
          responseStatus: getHTTPStatusCodeFromError(error),
          responseBody: JSON.stringify({ code: business.code, message: business.message, trpcCode: business.trpcCode }),
        });
        return { ...result, error };
      });
    } catch (error) {
      if (pgErrorCode(error) === LOCK_NOT_AVAILABLE) {
        ctx.responseHeaders.set("Retry-After", String(retryAfterSeconds));
        throw new IdempotencyError(
          "idempotency_key_in_progress",
          `A request with Idempotency-Key "${key}" is still being processed; retry after ${retryAfterSeconds}s`,
        ).toTRPCError();
      }
      throw error;
    }
  });
}

function readKey(headers: Headers): string | null {
  try {
    return parseIdempotencyKey(headers.get(IDEMPOTENCY_KEY_HEADER));
  } catch (error) {
    if (error instanceof IdempotencyError) throw error.toTRPCError();
    throw error;
  }
}

/** Turns a stored answer back into what the handler produced: data, or its business error. */
function storedOutcome(stored: StoredResponse) {
  if (stored.responseStatus === 200) {
    const data: unknown = stored.responseBody === "" ? undefined : JSON.parse(stored.responseBody);
    // A middleware may answer without calling next(): tRPC only reads `ok` and `data`.
    return { ok: true as const, data, marker: "middlewareMarker" as never };
  }
  const error = JSON.parse(stored.responseBody) as { code: string; message: string; trpcCode: TRPCError["code"] };
  throw new BusinessError(error.code, error.message, error.trpcCode).toTRPCError();
}

/** SQLSTATE of a PostgreSQL error, also when drizzle wrapped it in a DrizzleQueryError. */
function pgErrorCode(error: unknown): string | undefined {
  for (let e: unknown = error; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}
