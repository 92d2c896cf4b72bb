import type { TRPCError } from "@trpc/server";
import { DEFAULT_MAX_WAITERS_PER_KEY, DEFAULT_MAX_WAITERS_PER_PRINCIPAL } from "./claimSlots";

export { DEFAULT_MAX_WAITERS_PER_KEY, DEFAULT_MAX_WAITERS_PER_PRINCIPAL };

export const DEFAULT_TTL_SECONDS = 24 * 60 * 60;
export const DEFAULT_LOCK_TIMEOUT_MS = 5_000;
export const DEFAULT_RETRY_AFTER_SECONDS = 1;

/**
 * Moments in one execution where `onPoint` is called: after the key is claimed (inside the
 * transaction), after the handler succeeded (inside, before the answer is stored), and after
 * the commit (before answering). For fault injection in tests and in the demo's chaos panel.
 */
export type EnginePoint =
  | "claimed"
  | "executed"
  | "committed"
  /** Phased mode: an external call returned, before its result is recorded. */
  | "phase-called"
  /** Phased mode: a phase's result (its recovery point) committed. */
  | "phase-done";

export interface EnginePointInfo {
  path: string;
  key: string;
  principalId: string;
  /** The phase, for phase points. */
  phase?: string;
  /** The procedure's context (what your createContext made): where per-request bookkeeping lives. */
  context: object;
}

export interface IdempotencyOptions {
  /** "required": no key is a 400. "optional": no key runs the handler once, unprotected. Default "required". */
  key?: "required" | "optional";
  /** How long a completed key replays; afterwards it counts as new. Default 24 h. */
  ttlSeconds?: number;
  /** How long a duplicate waits for an in-flight first request before a 409. Default 5 s. */
  lockTimeoutMs?: number;
  /**
   * How many requests of this process may wait at once for a key another request holds (each
   * waits with a pool connection); more are answered 409 + Retry-After at once. Default 2.
   */
  maxWaitersPerKey?: number;
  /** The same bound over all of one principal's keys, so one principal cannot take the pool. Default 4. */
  maxWaitersPerPrincipal?: number;
  /** `Retry-After` (seconds) sent with that 409 and with transient-failure 503s. Default 1. */
  retryAfterSeconds?: number;
  /**
   * tRPC error codes a handler may throw that are deterministic for the request, and so are
   * stored and replayed like a BusinessError. Default: none (only BusinessError is stored).
   */
  storableCodes?: TRPCError["code"][];
  /**
   * Answer completed keys with one primary-key read outside any transaction before opening
   * one. "auto" (default): only for keys this process saw before (probably retries), so new
   * keys pay nothing for it. true: always. false: never (the claim answers replays).
   */
  fastPath?: boolean | "auto";
  /** The clock for expiry (tests). Default: the database's now(). */
  clock?: () => Date;
  /** Called when background bookkeeping (replay counts) fails; the answer was already sent. */
  onBackgroundError?: (error: unknown) => void;
  /** Fault-injection hook, awaited at each EnginePoint. Throwing fails the request there. */
  onPoint?: (point: EnginePoint, info: EnginePointInfo) => void | Promise<void>;
}

export type ResolvedOptions = Required<Omit<IdempotencyOptions, "clock" | "onPoint">> &
  Pick<IdempotencyOptions, "clock" | "onPoint">;

export function resolveOptions(options: IdempotencyOptions): ResolvedOptions {
  return {
    key: options.key ?? "required",
    ttlSeconds: options.ttlSeconds ?? DEFAULT_TTL_SECONDS,
    lockTimeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
    maxWaitersPerKey: options.maxWaitersPerKey ?? DEFAULT_MAX_WAITERS_PER_KEY,
    maxWaitersPerPrincipal: options.maxWaitersPerPrincipal ?? DEFAULT_MAX_WAITERS_PER_PRINCIPAL,
    retryAfterSeconds: options.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS,
    storableCodes: options.storableCodes ?? [],
    fastPath: options.fastPath ?? "auto",
    clock: options.clock,
    onPoint: options.onPoint,
    onBackgroundError: options.onBackgroundError ?? (() => {}),
  };
}
