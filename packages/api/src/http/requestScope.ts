import { performance } from "node:perf_hooks";
import type { EnginePoint } from "@oncely/idempotency";
import type { TRPCError } from "@trpc/server";

/**
 * What is learnt about one HTTP request while it runs (see observe.ts). It travels in the tRPC
 * context (`ctx.scope`), where the hooks that learn it find it: authentication, tRPC's onError,
 * the engine's onPoint (its `info.context`). Not async context: AsyncLocalStorage makes Node
 * track every promise of every request, which showed in apps/server's CPU profile.
 * Imports nothing of the router, so trpc.ts can use it.
 */
export interface RequestScope {
  principalId: string | null;
  errors: { path: string | undefined; error: TRPCError }[];
  claimedAt: number | null;
  executedAt: number | null;
}

export const newRequestScope = (): RequestScope => ({
  principalId: null,
  errors: [],
  claimedAt: null,
  executedAt: null,
});

/** A request's scope, for the context made for it (observe.ts attaches it, handlers.ts reads it). */
const scopes = new WeakMap<object, RequestScope>();
export const attachScope = (request: object, scope: RequestScope): void => void scopes.set(request, scope);
export const scopeOf = (request: object): RequestScope | undefined => scopes.get(request);

/** The engine's points, kept as timings (its `onPoint` option; the scope is in `info.context`). */
export function notePoint(point: EnginePoint, info: { context: object }): void {
  const scope = (info.context as { scope?: RequestScope }).scope;
  if (!scope) return;
  if (point === "claimed") scope.claimedAt = performance.now();
  else if (point === "executed") scope.executedAt = performance.now();
}
