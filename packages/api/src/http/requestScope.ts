import { AsyncLocalStorage } from "node:async_hooks";
import { performance } from "node:perf_hooks";
import type { EnginePoint } from "@oncely/idempotency";
import type { TRPCError } from "@trpc/server";

/**
 * What is learnt about one HTTP request while it runs (see observe.ts), found through async
 * context by the hooks that learn it: authentication, tRPC's onError, the engine's onPoint.
 * Imports nothing of the router, so trpc.ts can use it.
 */
export interface RequestScope {
  principalId: string | null;
  errors: { path: string | undefined; error: TRPCError }[];
  claimedAt: number | null;
  executedAt: number | null;
}

const scope = new AsyncLocalStorage<RequestScope>();

/** Runs `fn` (one request's handling) with a fresh scope, which it returns. */
export function runInRequestScope(fn: () => void): RequestScope {
  const state: RequestScope = { principalId: null, errors: [], claimedAt: null, executedAt: null };
  scope.run(state, fn);
  return state;
}

/** Remembers who the request's principal is (called by authentication). */
export function notePrincipal(principalId: string | null): void {
  const state = scope.getStore();
  if (state) state.principalId = principalId;
}

/** Remembers an error a call raised (tRPC's onError). */
export function noteError(path: string | undefined, error: TRPCError): void {
  scope.getStore()?.errors.push({ path, error });
}

/** The idempotency engine's points, kept as timings (its `onPoint` option). */
export function notePoint(point: EnginePoint): void {
  const state = scope.getStore();
  if (!state) return;
  if (point === "claimed") state.claimedAt = performance.now();
  else if (point === "executed") state.executedAt = performance.now();
}
