import { responseHeadersOf } from "./errors";

/** Retries after the first attempt. */
export const DEFAULT_MAX_RETRIES = 4;
/** First backoff ceiling (ms); doubles each retry. */
export const DEFAULT_BASE_DELAY_MS = 100;
export const DEFAULT_BACKOFF_FACTOR = 2;
/** Largest backoff ceiling (ms). */
export const DEFAULT_MAX_DELAY_MS = 5_000;
/** One attempt is abandoned (and retried) after this long. */
export const DEFAULT_ATTEMPT_TIMEOUT_MS = 10_000;
/** No new attempt starts after this long since the first one. */
export const DEFAULT_DEADLINE_MS = 30_000;
/** A server's Retry-After is honoured up to this long (ms). */
export const MAX_RETRY_AFTER_MS = 20_000;

export interface RetryPolicy {
  maxRetries: number;
  baseDelayMs: number;
  factor: number;
  maxDelayMs: number;
  attemptTimeoutMs: number;
  deadlineMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: DEFAULT_MAX_RETRIES,
  baseDelayMs: DEFAULT_BASE_DELAY_MS,
  factor: DEFAULT_BACKOFF_FACTOR,
  maxDelayMs: DEFAULT_MAX_DELAY_MS,
  attemptTimeoutMs: DEFAULT_ATTEMPT_TIMEOUT_MS,
  deadlineMs: DEFAULT_DEADLINE_MS,
};

/**
 * "Full jitter" (AWS architecture blog): a uniformly random wait between 0 and the
 * exponential ceiling, so clients that failed together do not retry together.
 */
export function fullJitterDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * policy.factor ** (retry - 1));
  return Math.floor(random() * ceiling);
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date. Undefined if absent or bad. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** How long to wait before retry number `retry` (1-based): the server's word first. */
export function sleepTimeMs(retry: number, error: unknown, policy: RetryPolicy): number {
  const retryAfter = parseRetryAfter(responseHeadersOf(error)?.get("retry-after"));
  if (retryAfter !== undefined) return Math.min(retryAfter, MAX_RETRY_AFTER_MS);
  return fullJitterDelay(retry, policy);
}
