import { TRPCError } from "@trpc/server";
import { BusinessError } from "./errors";
import { keyReused } from "./refusals";
import type { KeyRow, StoredResponse } from "./store";

// How an answer is kept under a key and given back: data as its JSON text, or a
// deterministic error as { code, message, business }. Both the first answer and every replay
// go through the same conversions, so their bytes match.

/** Response header set on every answer that came from the key store. */
export const REPLAYED_HEADER = "Idempotent-Replayed";

interface StoredError {
  code: TRPCError["code"];
  message: string;
  business?: string;
}

/** The body stored for a successful answer. */
export const serializeData = (data: unknown): string => JSON.stringify(data) ?? "";

/**
 * The error to store and answer with, if the handler's failure is deterministic for this
 * request: a BusinessError, or a tRPC error whose code the procedure declared storable.
 */
export function storableError(error: TRPCError, storableCodes: readonly TRPCError["code"][]): TRPCError | null {
  if (error.cause instanceof BusinessError) return error.cause.toTRPCError();
  if (storableCodes.includes(error.code)) return new TRPCError({ code: error.code, message: error.message });
  return null;
}

export function serializeError(error: TRPCError): string {
  const business = error.cause instanceof BusinessError ? error.cause.code : undefined;
  const stored: StoredError = { code: error.code, message: error.message, business };
  return JSON.stringify(stored);
}

/** Turns a stored answer back into what the handler produced: data, or its error. */
export function storedOutcome(stored: StoredResponse) {
  if (stored.responseStatus === 200) {
    const data: unknown = stored.responseBody === "" ? undefined : JSON.parse(stored.responseBody);
    // A middleware may answer without calling next(): tRPC reads only `ok` and `data`.
    return { ok: true as const, data, marker: "middlewareMarker" as never };
  }
  const error = JSON.parse(stored.responseBody) as StoredError;
  if (error.business) throw new BusinessError(error.business, error.message, error.code).toTRPCError();
  throw new TRPCError({ code: error.code, message: error.message });
}

/** The request a stored answer is given to. */
export interface ReplayRequest {
  key: string;
  fingerprint: string;
  responseHeaders: Headers;
}

/**
 * A stored answer given back: refused (422) if the request under the key differs, else marked
 * as a replay and turned back into the handler's data or error.
 */
export function replayStored(stored: StoredResponse, request: ReplayRequest) {
  if (stored.fingerprint !== request.fingerprint) throw keyReused(request.key, stored.requestPath);
  request.responseHeaders.set(REPLAYED_HEADER, "true");
  return storedOutcome(stored);
}

/** The answer a row holds, if it holds one (expired or not). */
export function storedResponseOf(row: KeyRow): StoredResponse | null {
  if (row.status !== "completed" || row.responseStatus === null || row.responseBody === null) return null;
  return { ...row, responseStatus: row.responseStatus, responseBody: row.responseBody };
}
