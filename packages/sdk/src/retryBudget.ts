/** Tokens a client starts with, and the most it can hold. */
export const DEFAULT_BUDGET_CAPACITY = 500;
/** Tokens one retry costs. */
export const DEFAULT_RETRY_COST = 5;
/** Tokens one retry after a timed-out attempt costs (a timeout is the costlier failure). */
export const DEFAULT_TIMEOUT_RETRY_COST = 10;
/** Tokens a call that succeeded at its first attempt puts back. */
export const DEFAULT_SUCCESS_REFILL = 1;

export interface RetryBudgetOptions {
  capacity: number;
  retryCost: number;
  timeoutRetryCost: number;
  successRefill: number;
}

/**
 * A token bucket shared by every call of one client, as the AWS SDKs do it: each retry takes
 * tokens; a call that succeeds gives back what its last retry took (or `successRefill` if it
 * needed none). When a backend is down, calls drain the bucket and then fail fast instead of
 * multiplying the load; once calls succeed again, it fills back up.
 */
export class RetryBudget {
  readonly options: Readonly<RetryBudgetOptions>;
  #tokens: number;

  constructor(options: Partial<RetryBudgetOptions> = {}) {
    this.options = Object.freeze({
      capacity: options.capacity ?? DEFAULT_BUDGET_CAPACITY,
      retryCost: options.retryCost ?? DEFAULT_RETRY_COST,
      timeoutRetryCost: options.timeoutRetryCost ?? DEFAULT_TIMEOUT_RETRY_COST,
      successRefill: options.successRefill ?? DEFAULT_SUCCESS_REFILL,
    });
    this.#tokens = this.options.capacity;
  }

  /** Tokens left. */
  get available(): number {
    return this.#tokens;
  }

  /** Takes the tokens for one retry; returns what it took, or undefined if there are not enough. */
  tryAcquire(afterTimeout: boolean): number | undefined {
    const cost = afterTimeout ? this.options.timeoutRetryCost : this.options.retryCost;
    if (cost > this.#tokens) return undefined;
    this.#tokens -= cost;
    return cost;
  }

  /** A call succeeded: give back what its last retry took, or the small refill if it had none. */
  recordSuccess(lastRetryCost: number | undefined): void {
    this.#tokens = Math.min(this.options.capacity, this.#tokens + (lastRetryCost ?? this.options.successRefill));
  }
}
