import { checkInvariants, type InvariantViolation } from "@oncely/api";
import type { Database } from "@oncely/db";

export interface InvariantWatch {
  checks: () => number;
  violations: InvariantViolation[];
  stop: () => Promise<void>;
}

/**
 * Runs checkInvariants every `everyMs` while the soak runs, not only at the end: each check
 * reads one consistent snapshot (REPEATABLE READ), so the books must balance at every moment,
 * mid-crash included, not just once the dust has settled.
 */
export function startInvariantWatch(db: Database, everyMs: number): InvariantWatch {
  const violations: InvariantViolation[] = [];
  let checks = 0;
  let current: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    current = current.then(async () => {
      violations.push(...(await checkInvariants(db)));
      checks++;
    });
  }, everyMs);
  return {
    checks: () => checks,
    violations,
    stop: async () => {
      clearInterval(timer);
      await current;
    },
  };
}
