import type { Measured } from "../results";
import type { CommitComparisonResult, EngineResult, HistoricEngineResult } from "../resultTypes";
import { cpuRatio, throughputRatio } from "../stats";
import { fixed, missing, provenance, table } from "./markdown";

const COLUMNS: [string, (r: HistoricEngineResult) => number][] = [
  ["order: idempotent / plain, req/s", (r) => r.throughputRatio],
  ["order: by CPU per request", (r) => r.cpuRatio],
  ["transfer: idempotent / plain, req/s", (r) => r.transferThroughputRatio],
  ["transfer: by CPU per request", (r) => r.transferCpuRatio],
  ["replay p50 / first p50", (r) => r.replayOverFirst],
];

/** The ratios of one engine.ts run, whichever shape that commit's engine.ts wrote. */
function ratiosOf(result: HistoricEngineResult | EngineResult): HistoricEngineResult {
  if (!("samples" in result)) return result;
  const { samples, latency } = result;
  return {
    throughputRatio: throughputRatio(samples.idempotent, samples.plain),
    cpuRatio: cpuRatio(samples.idempotent, samples.plain),
    transferThroughputRatio: throughputRatio(samples.transferIdempotent, samples.transferPlain),
    transferCpuRatio: cpuRatio(samples.transferIdempotent, samples.transferPlain),
    replayOverFirst: latency.default.replayP50 / latency.default.firstP50,
  };
}

/** A comparison of two commits by compareCommits.ts: what changed between them, and each run. */
interface Comparison {
  title: string;
  file: string;
  /** What each side is, after its commit in the run's row. */
  sides: { before: string; after: string };
  /** What the two commits are, in words (the commits are named before it). */
  prose: string;
  /** Options of compareCommits.ts that make this comparison. */
  command: string;
}

function comparisonSection(result: Measured<CommitComparisonResult>, comparison: Comparison): string {
  const { title } = comparison;
  if (!result)
    return `${title}\n\n${missing(comparison.file, `pnpm --filter @oncely/bench exec tsx src/compareCommits.ts ${comparison.command}`)}`;
  const { before, after } = result.commits;
  const runs = result.runs.map((r) => ({ ...r, ratios: ratiosOf(r.result) }));
  const rows = runs.map((r) => [
    `run ${r.run}: ${r.side} (${r.side === "before" ? before : after}, ${comparison.sides[r.side]})`,
    ...COLUMNS.map(([, of]) => fixed(of(r.ratios))),
  ]);
  const meanRow = (side: "before" | "after") => {
    const ofSide = runs.filter((r) => r.side === side);
    const mean = (of: (r: HistoricEngineResult) => number) =>
      ofSide.reduce((sum, r) => sum + of(r.ratios), 0) / ofSide.length;
    return [`**mean, ${side}**`, ...COLUMNS.map(([, of]) => `**${fixed(mean(of))}**`)];
  };
  return `${title}

${provenance(result.run)}

Each commit's own \`bench/src/engine.ts\` (synchronous_commit ${result.synchronousCommit}), run in a fresh worktree of
that commit, the two commits alternating run after run. Before: ${before}. After: ${after}. ${comparison.prose}
Ratios within each run (higher is better).

${table(["run", ...COLUMNS.map(([name]) => name)], [...rows, meanRow("before"), meanRow("after")])}`;
}

/** Issue 13: the engine's hot path on the patched driver and after its move to the stock one. */
export function stockDriverSection(result: Measured<CommitComparisonResult>): string {
  const section = comparisonSection(result, {
    title: "## The hot path before and after the move to the stock driver (issue 13)",
    file: "stock-driver",
    sides: { before: "patched driver", after: "stock driver" },
    prose: `Before, the engine built drizzle's internal transaction classes and sent BEGIN with its claim
through the repo's patched postgres.js (\`begin('pipelined')\`); after, the same engine on drizzle's
public \`db.transaction\` and \`execute\`, on postgres.js as npm ships it, no other change.`,
    command: "--before 73f2b2f --after 6e96633",
  });
  const pipelined = (result?.runs ?? []).flatMap((r) =>
    "pipelinedPlainRatio" in r.result && r.result.pipelinedPlainRatio ? [r.result.pipelinedPlainRatio] : [],
  );
  return pipelined.length
    ? `${section}\n\nAt the commit before, its plain order with the pipelined BEGIN ran at ${pipelined.map((p) => fixed(p)).join(", ")} × the plain one: what the patch's pipelining gave. The engine has moved on since (advisory-lock claim, prepared statements): today's numbers are in the sections above.\n`
    : section;
}

/** Issue 14: the claim as two statements (lock, then read) and as one (try-lock and read). */
export function tryClaimSection(result: Measured<CommitComparisonResult>): string {
  return comparisonSection(result, {
    title: "## The claim in one statement, before and after (issue 14)",
    file: "try-claim",
    sides: { before: "lock, then read", after: "try-lock and read" },
    prose: `Before, a new key's claim sent the key's bounded advisory lock and the read of its row as two
prepared statements (with the SAVEPOINT, in one write); after, one statement takes the lock if it
is free and reads the row, and only a held key waits and reads again. No other change.`,
    command: "--before 1d95e32 --after 513c96f --result try-claim",
  });
}
