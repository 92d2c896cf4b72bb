import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { BusinessError, IDEMPOTENCY_KEY_HEADER, REPLAYED_HEADER } from "@oncely/idempotency";
import type { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { REQUEST_ID_HEADER } from "../demo/chaos";
import { appRouter } from "../root";
import { errorCode } from "../trpc";
import { attachScope, newRequestScope, type RequestScope } from "./requestScope";

/**
 * What one HTTP request to the API did, for request logs and metrics: read from what the API
 * already shows (the `Idempotent-Replayed` header, the error's `oncelyCode`, the engine's
 * points), so the engine needs no hooks of its own. Never the API key, never a body.
 */

/** What a call came to. Every request to a procedure ends in exactly one of these. */
export type CallOutcome =
  /** The handler ran and its answer was sent (queries included). */
  | "executed"
  /** Answered from the key store: the stored answer (data or stored error), handler not run. */
  | "replayed"
  /** 409: the same key's first request was still running (a lock wait that timed out). */
  | "in_progress"
  /** 422: the key was used before for another request. */
  | "key_reused"
  /** 400: the Idempotency-Key header was missing, malformed or sent in a batch. */
  | "invalid_key"
  /** A deterministic business error (insufficient funds...), stored under the key. */
  | "business_error"
  /** Any other 4xx: invalid input, unauthenticated, not found, stale version... */
  | "rejected"
  /** 5xx: nothing was stored, the key is free for the retry. */
  | "failed";

export const CALL_OUTCOMES: readonly CallOutcome[] = [
  "executed",
  "replayed",
  "in_progress",
  "key_reused",
  "invalid_key",
  "business_error",
  "rejected",
  "failed",
];

export interface ObservedCall {
  /** The procedure path as requested (at most 100 characters). */
  path: string;
  /** Whether the AppRouter has that procedure (metrics count unknown paths as one). */
  known: boolean;
  outcome: CallOutcome;
  /** A failed call's `oncelyCode`, else its tRPC code; null on success. */
  code: string | null;
}

export interface ObservedRequest {
  method: string;
  /** One per procedure call the request carried (tRPC batches several). */
  calls: ObservedCall[];
  status: number;
  /** From the request's arrival to the answer's last byte (or to the client going away). */
  durationMs: number;
  /** An idempotent call's handler: from its key's claim to the handler's return. */
  handlerMs: number | null;
  principalId: string | null;
  /** The Idempotency-Key header as sent (at most 255 characters). */
  idempotencyKey: string | null;
  replayed: boolean;
  /** The attempt's X-Request-Id, if the client names its attempts. */
  requestId: string | null;
  /** The client went away before the whole answer was written. */
  aborted: boolean;
}

export type RequestObserver = (request: ObservedRequest) => void;

const MAX_PATH_CHARS = 100;
const MAX_HEADER_CHARS = 255;

/** The AppRouter's procedure paths (`orders.create`...). */
const knownPaths = new Set(Object.keys(appRouter._def.procedures));

/**
 * Runs `handle` for one request and reports it to `observer` once the answer is sent. The
 * request's scope (requestScope.ts) goes into its tRPC context, where the hooks fill it in.
 */
export function observeRequest(
  req: IncomingMessage,
  res: ServerResponse,
  basePath: string,
  observer: RequestObserver,
  handle: () => void,
): void {
  const startedAt = performance.now();
  const state = newRequestScope();
  attachScope(req, state);
  handle();
  res.once("close", () => {
    const replayed = res.getHeader(REPLAYED_HEADER) === "true";
    const paths = requestedPaths(req.url ?? "/", basePath);
    observer({
      method: req.method ?? "GET",
      calls: paths.map((path) => callOf(path, takeError(state, path), replayed)),
      status: res.statusCode,
      durationMs: performance.now() - startedAt,
      handlerMs: state.claimedAt !== null && state.executedAt !== null ? state.executedAt - state.claimedAt : null,
      principalId: state.principalId,
      idempotencyKey: header(req, IDEMPOTENCY_KEY_HEADER),
      replayed,
      requestId: header(req, REQUEST_ID_HEADER),
      aborted: !res.writableFinished,
    });
  });
}

/** What a call with this error (or none) came to. */
export function callOutcome(error: TRPCError | undefined, replayed: boolean): CallOutcome {
  // A 5xx sent instead of a stored answer (the demo's dropped replay) is a failure too.
  if (error && getHTTPStatusCodeFromError(error) >= 500) return "failed";
  if (replayed) return "replayed";
  if (!error) return "executed";
  switch (errorCode(error)) {
    case "idempotency_key_in_progress":
      return "in_progress";
    case "idempotency_key_reused":
      return "key_reused";
    case "idempotency_key_missing":
    case "idempotency_key_invalid":
    case "idempotency_key_in_batch":
      return "invalid_key";
  }
  return error.cause instanceof BusinessError ? "business_error" : "rejected";
}

function callOf(path: string, error: TRPCError | undefined, replayed: boolean): ObservedCall {
  return {
    path,
    known: knownPaths.has(path),
    outcome: callOutcome(error, replayed),
    code: error ? (errorCode(error) ?? error.code) : null,
  };
}

/** The error reported for this call: its own first, else one of the whole request's. */
function takeError(state: RequestScope, path: string): TRPCError | undefined {
  const index = state.errors.findIndex((e) => e.path === path);
  if (index >= 0) return state.errors.splice(index, 1)[0]?.error;
  return state.errors.find((e) => e.path === undefined)?.error;
}

/** `/trpc/a,b?batch=1` → ["a", "b"]. */
function requestedPaths(url: string, basePath: string): string[] {
  const pathname = url.split("?")[0] ?? "";
  const rest = pathname.startsWith(basePath) ? pathname.slice(basePath.length) : pathname;
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    decoded = rest;
  }
  return decoded.split(",").map((path) => path.slice(0, MAX_PATH_CHARS));
}

function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name.toLowerCase()];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? null : first.slice(0, MAX_HEADER_CHARS);
}
