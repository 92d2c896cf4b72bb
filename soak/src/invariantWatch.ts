import { checkInvariants, type InvariantViolation } from "@oncely/api";
import type { Database } from "@oncely/db";

export interface InvariantWatch {
  checks: () => number;
  /** Checks that could not run: the database was away (a database fault). */
  skipped: () => number;
  violations: InvariantViolation[];
  stop: () => Promise<void>;
}

/**
 * Runs checkInvariants every `everyMs` while the soak runs, not only at the end: each check
 * reads one consistent snapshot (REPEATABLE READ), so the books must balance at every moment,
 * mid-crash included, not just once the dust has settled. A check the database is too far away
 * to answer (killed, restarting) is skipped and counted; the audit's final check is not.
 */
export function startInvariantWatch(db: Database, everyMs: number): InvariantWatch {
  const violations: InvariantViolation[] = [];
  let checks = 0;
  let skipped = 0;
  let current: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    current = current.then(async () => {
      let found: InvariantViolation[];
      try {
        found = await checkInvariants(db);
      } catch {
        skipped++;
        return;
      }
      violations.push(...found);
      checks++;
    });
  }, everyMs);
  return {
    checks: () => checks,
    skipped: () => skipped,
    violations,
    stop: async () => {
      clearInterval(timer);
      await current;
    },
  };
}
