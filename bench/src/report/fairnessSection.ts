import type { Measured } from "../results";
import type { FairnessResult } from "../resultTypes";
import { fixed, missing, ms, provenance, table, whole } from "./markdown";

/** Issue 15's fairness target: another principal's p99 during the storm within this of its quiet p99. */
const FAIRNESS_TARGET = 2;

/** The fairness bench's section: another principal's latency during a duplicate storm. */
export function fairnessSection(result: Measured<FairnessResult>): string {
  const title = "## Fair under a duplicate storm (issue 15)";
  if (!result) return `${title}\n\n${missing("fairness", "pnpm --filter @oncely/bench exec tsx src/fairness.ts")}`;
  const rows = (["on", "off"] as const).map((bound) => {
    const c = result.configs[bound];
    const ratio = c.storm.p99Ms / c.quiet.p99Ms;
    return [
      bound === "on" ? "waiters bounded (the defaults: 2 per key, 4 per principal)" : "bounds lifted (as before them)",
      `${ms(c.quiet.p50Ms, 2)} / ${ms(c.quiet.p99Ms, 2)}`,
      `${ms(c.storm.p50Ms, 2)} / ${ms(c.storm.p99Ms, 2)} (max ${ms(c.storm.maxMs, 0)}, ${whole(c.storm.reads)} reads)`,
      `**${fixed(ratio)}×**${bound === "on" ? (ratio <= FAIRNESS_TARGET ? ` (≤ ${FAIRNESS_TARGET}×: met)` : ` (> ${FAIRNESS_TARGET}×: missed)`) : ""}`,
      `${whole(c.duplicateAnswers.conflict)} × 409, ${whole(c.duplicateAnswers.other)} other`,
    ];
  });
  return `${title}

${provenance(result.run)}

bench/src/fairness/server.ts: the engine in front of the bench database, pool of ${result.poolSize}. alice's first
request holds its key for longer than the storm (pg_sleep in its transaction); ${result.duplicates} duplicates of it
resend for ${result.stormSeconds} s, each after the \`Retry-After\` of its 409, as the SDK would; meanwhile bob reads his
accounts one request at a time. Quiet: the same reads before the storm. A duplicate past the bounds is
answered 409 before it takes a connection, so the pool stays free for bob.

${table(
  [
    "configuration",
    "bob quiet p50 / p99",
    "bob during the storm p50 / p99",
    "storm p99 / quiet p99",
    "duplicates' answers",
  ],
  rows,
)}`;
}
