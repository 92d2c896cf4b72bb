import type { Measured } from "../results";
import type { CommitComparisonResult, HistoricEngineResult } from "../resultTypes";
import { fixed, missing, provenance, table } from "./markdown";

/** Issue 13: the engine's hot path on the patched driver and after its move to the stock one. */
export function stockDriverSection(result: Measured<CommitComparisonResult>): string {
  const title = "## The hot path before and after the move to the stock driver (issue 13)";
  if (!result) {
    return `${title}\n\n${missing("stock-driver", "pnpm --filter @oncely/bench exec tsx src/compareCommits.ts")}`;
  }
  const { before, after } = result.commits;
  const columns: [string, (r: HistoricEngineResult) => number][] = [
    ["order: idempotent / plain, req/s", (r) => r.throughputRatio],
    ["order: by CPU per request", (r) => r.cpuRatio],
    ["transfer: idempotent / plain, req/s", (r) => r.transferThroughputRatio],
    ["transfer: by CPU per request", (r) => r.transferCpuRatio],
    ["replay p50 / first p50", (r) => r.replayOverFirst],
  ];
  const rows = result.runs.map((r) => [
    `run ${r.run}: ${r.side === "before" ? `before (${before}, patched driver)` : `after (${after}, stock driver)`}`,
    ...columns.map(([, of]) => fixed(of(r.result))),
  ]);
  const meanRow = (side: "before" | "after") => {
    const runs = result.runs.filter((r) => r.side === side);
    const mean = (of: (r: HistoricEngineResult) => number) =>
      runs.reduce((sum, r) => sum + of(r.result), 0) / runs.length;
    return [`**mean, ${side}**`, ...columns.map(([, of]) => `**${fixed(mean(of))}**`)];
  };
  const pipelined = result.runs.flatMap((r) => (r.result.pipelinedPlainRatio ? [r.result.pipelinedPlainRatio] : []));
  return `${title}

${provenance(result.run)}

Each commit's own \`bench/src/engine.ts\` (synchronous_commit ${result.synchronousCommit}), run in a fresh worktree of
that commit, the two commits alternating run after run. Before (${before}): the engine built drizzle's internal
transaction classes and sent BEGIN with its claim through the repo's patched postgres.js
(\`begin('pipelined')\`). After (${after}): the same engine on drizzle's public \`db.transaction\` and
\`execute\`, on postgres.js as npm ships it, no other change. Ratios within each run (higher is better).

${table(["run", ...columns.map(([name]) => name)], [...rows, meanRow("before"), meanRow("after")])}
${pipelined.length ? `\nAt the commit before, its plain order with the pipelined BEGIN ran at ${pipelined.map((p) => fixed(p)).join(", ")} × the plain one: what the patch's pipelining gave. The engine has moved on since (advisory-lock claim, prepared statements): today's numbers are in the sections above.\n` : ""}`;
}
