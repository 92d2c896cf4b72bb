import { describe, expect, it } from "vitest";
import { RetryBudget } from "./retryBudget";

describe("RetryBudget", () => {
  it("starts full with the AWS-style defaults: 500 tokens, 5 per retry, 10 per timeout retry", () => {
    const budget = new RetryBudget();
    expect(budget.available).toBe(500);
    expect(budget.tryAcquire(false)).toBe(5);
    expect(budget.tryAcquire(true)).toBe(10);
    expect(budget.available).toBe(485);
  });

  it("drains to empty and then refuses every retry", () => {
    const budget = new RetryBudget();
    let retries = 0;
    while (budget.tryAcquire(false) !== undefined) retries++;
    expect(retries).toBe(100);
    expect(budget.available).toBe(0);
    expect(budget.tryAcquire(false)).toBeUndefined();
    expect(budget.tryAcquire(true)).toBeUndefined();
  });

  it("refuses a timeout retry it cannot pay for while a cheaper retry still fits", () => {
    const budget = new RetryBudget({ capacity: 7 });
    expect(budget.tryAcquire(true)).toBeUndefined();
    expect(budget.tryAcquire(false)).toBe(5);
    expect(budget.available).toBe(2);
  });

  it("gives back what the last retry took when its call succeeds", () => {
    const budget = new RetryBudget({ capacity: 20 });
    const first = budget.tryAcquire(false);
    const second = budget.tryAcquire(true);
    expect(budget.available).toBe(5);
    budget.recordSuccess(second);
    expect(budget.available).toBe(15);
    expect(first).toBe(5);
  });

  it("refills slowly on first-attempt successes, never above capacity", () => {
    const budget = new RetryBudget({ capacity: 10 });
    budget.tryAcquire(false);
    budget.tryAcquire(false);
    expect(budget.available).toBe(0);
    for (let i = 0; i < 4; i++) budget.recordSuccess(undefined);
    expect(budget.available).toBe(4);
    for (let i = 0; i < 40; i++) budget.recordSuccess(undefined);
    expect(budget.available).toBe(10);
    budget.recordSuccess(5);
    expect(budget.available).toBe(10);
  });
});
