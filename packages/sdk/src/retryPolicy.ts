import { httpStatusOf, responseHeadersOf, serverCodeOf } from "./errors";

/** Retries after the first attempt (0 turns retrying off; the key is still made). */
export const DEFAULT_MAX_RETRIES = 4;
/** First backoff ceiling (ms); grows by `factor` each retry. */
export const DEFAULT_BASE_DELAY_MS = 100;
export const DEFAULT_BACKOFF_FACTOR = 2;
/** Largest backoff ceiling (ms). */
export const DEFAULT_MAX_DELAY_MS = 5_000;
/** One attempt is abandoned (and retried) after this long. */
export const DEFAULT_ATTEMPT_TIMEOUT_MS = 10_000;
/** The whole call, attempts and waits, ends within this long of its start. */
export const DEFAULT_DEADLINE_MS = 30_000;
/** A server's Retry-After is honoured up to this long (ms); a longer one is cut to this. */
export const DEFAULT_MAX_RETRY_AFTER_MS = 20_000;

/** Answers that say "try again later". 409 counts only for "still in progress" (below). */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 425, 429, 500, 502, 503, 504]);
/** The server's code for "the first request with this key is still running". */
export const IN_PROGRESS_CODE = "idempotency_key_in_progress";

// The three HTTP-date forms (RFC 9110 §5.6.7) begin with a day name and hold a hh:mm:ss time.
// Date.parse alone would also take "-5" or "1.5" as dates.
const HTTP_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? .*\b\d{2}:\d{2}:\d{2}\b/;

export interface RetryPolicy {
  maxRetries: number;
  baseDelayMs: number;
  factor: number;
  maxDelayMs: number;
  attemptTimeoutMs: number;
  deadlineMs: number;
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxRetries: DEFAULT_MAX_RETRIES,
  baseDelayMs: DEFAULT_BASE_DELAY_MS,
  factor: DEFAULT_BACKOFF_FACTOR,
  maxDelayMs: DEFAULT_MAX_DELAY_MS,
  attemptTimeoutMs: DEFAULT_ATTEMPT_TIMEOUT_MS,
  deadlineMs: DEFAULT_DEADLINE_MS,
  maxRetryAfterMs: DEFAULT_MAX_RETRY_AFTER_MS,
});

/**
 * The retry table: may a failed attempt be sent again with the same key? Yes for no answer
 * at all (network failure, attempt timeout), 408, 425, 429, 500, 502, 503, 504 and the 409
 * "still in progress". Never for other answers: 400, 401, 403, 404, other 409s, 412, 422 and
 * business errors are about the request itself and would fail the same way again.
 */
export function shouldRetry(error: unknown): boolean {
  const status = httpStatusOf(error);
  if (status === undefined) return true; // no answer at all
  if (status === 409) return serverCodeOf(error) === IN_PROGRESS_CODE;
  return RETRYABLE_STATUSES.has(status);
}

/**
 * "Full jitter" (AWS architecture blog): a uniformly random wait in [0, ceiling), where the
 * ceiling is `baseDelayMs · factor^(retry-1)` capped at `maxDelayMs`, so clients that failed
 * together do not retry together. `retry` is 1-based.
 */
export function fullJitterDelay(
  retry: number,
  policy: Pick<RetryPolicy, "baseDelayMs" | "factor" | "maxDelayMs">,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * policy.factor ** (retry - 1));
  return Math.floor(random() * ceiling);
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date. Undefined if absent or bad. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  if (!HTTP_DATE.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * How long to wait before retry number `retry` (1-based): the server's Retry-After if it sent
 * one (cut to `maxRetryAfterMs`), else full-jitter backoff.
 */
export function sleepTimeMs(
  retry: number,
  error: unknown,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const retryAfter = parseRetryAfter(responseHeadersOf(error)?.get("retry-after"));
  if (retryAfter !== undefined) return Math.min(retryAfter, policy.maxRetryAfterMs);
  return fullJitterDelay(retry, policy, random);
}
