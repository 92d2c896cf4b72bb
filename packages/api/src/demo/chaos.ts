import { AsyncLocalStorage } from "node:async_hooks";
import { BusinessError, type EnginePoint, type EnginePointInfo, REPLAYED_HEADER } from "@oncely/idempotency";
import { TRPCError } from "@trpc/server";

/**
 * The demo's chaos layer: faults injected on the SERVER, for the next requests of one
 * principal, so a person can watch the client retry and the key store replay. It does
 * nothing at all unless the process runs with `ONCELY_DEMO=1`.
 *
 * - fail before commit: at the engine's "executed" point (the handler's writes are made, the
 *   answer not yet stored) the request fails with 503 + `Retry-After`; the whole transaction
 *   rolls back, so nothing was saved and the key is free for the retry.
 * - drop the answer after commit: once the key, the writes and the answer are committed (or
 *   when a completed key is replayed) the answer is replaced by a 504 carrying
 *   `Oncely-Chaos: response-dropped`; the web app's route handler turns that into a dropped
 *   connection, so the browser sees no answer at all.
 * - latency: every affected request waits this long before it runs.
 *
 * Counts go down as faults fire ("fail the next 3 in a row"); latency stays until set to 0.
 * A fault belongs to an attempt: when the client names its attempts (`X-Request-Id`, one per
 * HTTP attempt), a transport-level resend of the same attempt meets the same fault without
 * using up another. Browsers do resend a request silently when a kept-alive connection closes
 * before any answer, and without this rule that resend would quietly collect the replay, so the
 * client would never see the answer go missing.
 * Affected: mutations through the idempotency engine (orders.create, payments.create,
 * refunds.create, transfers.create, orders.updateShipping with a key); latency also delays
 * orders.cancel. Never queries, never the `chaos.*` procedures themselves.
 *
 * Settings live in this process's memory (one Next.js process in the demo); with several API
 * processes each has its own.
 */

/** Response header naming the fault that shaped an answer. */
export const CHAOS_HEADER = "Oncely-Chaos";
/** `Retry-After` (seconds) sent with a chaos 503. */
export const CHAOS_RETRY_AFTER_SECONDS = 1;
export const MAX_CHAOS_COUNT = 20;
/** Request header naming one HTTP attempt (sent again, unchanged, by a transport-level resend). */
export const REQUEST_ID_HEADER = "X-Request-Id";
/** How long an attempt whose answer was dropped keeps getting its answer dropped. */
const DROPPED_ATTEMPT_TTL_MS = 60_000;
const MAX_DROPPED_ATTEMPTS = 1_000;
export const MAX_CHAOS_LATENCY_MS = 10_000;

export interface ChaosSettings {
  /** The next N executions fail before the commit (503 + Retry-After). */
  failBeforeCommit: number;
  /** The next N answers (first answers after the commit, or replays) are dropped. */
  dropResponses: number;
  /** Added to every affected request until set back to 0. */
  latencyMs: number;
}

export const NO_CHAOS: Readonly<ChaosSettings> = Object.freeze({ failBeforeCommit: 0, dropResponses: 0, latencyMs: 0 });

export type ChaosErrorCode = "chaos_unavailable" | "chaos_failed_before_commit" | "chaos_response_dropped";

/** Errors of the chaos layer; `code` becomes `error.data.oncelyCode`. */
export class ChaosError extends Error {
  override readonly name = "ChaosError";
  constructor(
    readonly code: ChaosErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Demo mode is the only mode with chaos. Read on every call, never cached. */
export function chaosAvailable(): boolean {
  return process.env.ONCELY_DEMO === "1";
}

// One store per process, also when a bundler (Next.js) gives route handlers and pages their
// own copies of this module.
const processWide = globalThis as {
  __oncelyChaos?: Map<string, ChaosSettings>;
  __oncelyChaosDroppedAttempts?: Map<string, number>;
};
processWide.__oncelyChaos ??= new Map<string, ChaosSettings>();
processWide.__oncelyChaosDroppedAttempts ??= new Map<string, number>();
const settingsByPrincipal = processWide.__oncelyChaos;
/** `principalId request-id` → until when resends of that attempt are dropped too. */
const droppedAttempts = processWide.__oncelyChaosDroppedAttempts;

export function chaosSettings(principalId: string): ChaosSettings {
  return { ...(settingsByPrincipal.get(principalId) ?? NO_CHAOS) };
}

/** Replaces the principal's settings (all zero removes them). Refused outside demo mode. */
export function setChaosSettings(principalId: string, settings: ChaosSettings): ChaosSettings {
  if (!chaosAvailable()) throw chaosUnavailable();
  if (settings.failBeforeCommit === 0 && settings.dropResponses === 0 && settings.latencyMs === 0) {
    settingsByPrincipal.delete(principalId);
  } else {
    settingsByPrincipal.set(principalId, { ...settings });
  }
  return chaosSettings(principalId);
}

export function chaosUnavailable(): TRPCError {
  const cause = new ChaosError("chaos_unavailable", "The chaos panel exists only in demo mode (ONCELY_DEMO=1)");
  return new TRPCError({ code: "NOT_FOUND", message: cause.message, cause });
}

/** Takes one fault of a kind if any is left (synchronous: two requests never take the same one). */
function takeFault(principalId: string, kind: "failBeforeCommit" | "dropResponses"): boolean {
  const settings = settingsByPrincipal.get(principalId);
  if (!settings || settings[kind] <= 0) return false;
  settings[kind] -= 1;
  if (settings.failBeforeCommit === 0 && settings.dropResponses === 0 && settings.latencyMs === 0) {
    settingsByPrincipal.delete(principalId);
  }
  return true;
}

function attemptWasDropped(principalId: string, requestId: string | null): boolean {
  if (!requestId) return false;
  const until = droppedAttempts.get(`${principalId} ${requestId}`);
  return until !== undefined && until > Date.now();
}

function rememberDroppedAttempt(principalId: string, requestId: string | null): void {
  if (!requestId) return;
  const now = Date.now();
  for (const [attempt, until] of droppedAttempts) {
    if (until <= now || droppedAttempts.size >= MAX_DROPPED_ATTEMPTS) droppedAttempts.delete(attempt);
  }
  droppedAttempts.set(`${principalId} ${requestId}`, now + DROPPED_ATTEMPT_TTL_MS);
}

/** What the engine's points need to know about the request they run in. */
interface ChaosRequest {
  principalId: string;
  responseHeaders: Headers;
  /** Set at the engine's "committed" point: the answer is stored and about to be sent. */
  committed: boolean;
}

const currentRequest = new AsyncLocalStorage<ChaosRequest>();

/** What tRPC's `next()` resolves with (the parts read here). */
type NextResult = { ok: true } | { ok: false; error: TRPCError };

export interface ChaosCall {
  principalId: string;
  path: string;
  type: "query" | "mutation" | "subscription";
  /** The request's `X-Request-Id`, if the client names its attempts. */
  requestId: string | null;
  responseHeaders: Headers;
}

/**
 * The tRPC middleware's body (see `authedProcedure` in trpc.ts): adds latency, runs the rest
 * of the procedure in a scope the engine points can see, and drops the answer afterwards if
 * the principal asked for that.
 */
export async function withChaos<TResult extends NextResult>(
  call: ChaosCall,
  next: () => Promise<TResult>,
): Promise<TResult> {
  if (!chaosAvailable() || call.type !== "mutation" || call.path.startsWith("chaos.")) return next();
  const settings = settingsByPrincipal.get(call.principalId);
  const resentDroppedAttempt = attemptWasDropped(call.principalId, call.requestId);
  if (!settings && !resentDroppedAttempt) return next();

  if (settings && settings.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, settings.latencyMs));
  const request: ChaosRequest = {
    principalId: call.principalId,
    responseHeaders: call.responseHeaders,
    committed: false,
  };
  const result = await currentRequest.run(request, next);

  const outcome: NextResult = result;
  const replayed = call.responseHeaders.get(REPLAYED_HEADER) === "true";
  // A business error (insufficient funds...) commits with the key like a success does.
  const storedBusinessError = !outcome.ok && outcome.error.cause instanceof BusinessError;
  const answerIsStored = request.committed || replayed || storedBusinessError;
  if (answerIsStored && (resentDroppedAttempt || takeFault(call.principalId, "dropResponses"))) {
    rememberDroppedAttempt(call.principalId, call.requestId);
    call.responseHeaders.set(CHAOS_HEADER, "response-dropped");
    const cause = new ChaosError(
      "chaos_response_dropped",
      "Chaos panel: the answer was dropped after the commit. Retry with the same Idempotency-Key to get it.",
    );
    throw new TRPCError({ code: "GATEWAY_TIMEOUT", message: cause.message, cause });
  }
  return result;
}

/** The idempotency engine's `onPoint` hook: fails a request before its commit when asked to. */
export async function chaosPoint(point: EnginePoint, info: EnginePointInfo): Promise<void> {
  const request = currentRequest.getStore();
  if (!request || request.principalId !== info.principalId || !chaosAvailable()) return;
  if (point === "committed") {
    request.committed = true;
    return;
  }
  if (point === "executed" && takeFault(info.principalId, "failBeforeCommit")) {
    request.responseHeaders.set("Retry-After", String(CHAOS_RETRY_AFTER_SECONDS));
    request.responseHeaders.set(CHAOS_HEADER, "failed-before-commit");
    const cause = new ChaosError(
      "chaos_failed_before_commit",
      "Chaos panel: the server failed on purpose before the commit; nothing was saved. Retry with the same Idempotency-Key.",
    );
    throw new TRPCError({ code: "SERVICE_UNAVAILABLE", message: cause.message, cause });
  }
}
