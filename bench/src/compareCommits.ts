// `pnpm --filter @oncely/bench exec tsx src/compareCommits.ts`: issue 13's "the hot path before and
// after, same bench". Runs each commit's own bench/src/engine.ts (the engine bench as it was at
// that commit: idempotent vs plain order and transfer, replay vs first execution) in a fresh git
// worktree of that commit, alternating the two commits run after run, and keeps what each run's
// engine.ts wrote. Not part of `pnpm bench` (it measures history, not the tree); bounded by --runs.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describeRun, parseBenchOptions, REPO_ROOT, writeResult } from "./results";
import type { CommitComparisonResult } from "./resultTypes";

const { options, line } = parseBenchOptions({
  // The engine on the patched driver (begin('pipelined')), and the same engine moved to drizzle's
  // public API and the stock driver, before any other change.
  before: "73f2b2f",
  after: "6e96633",
  runs: "2",
  duration: "3",
  rounds: "5",
  "synchronous-commit": "off",
  // The results file (bench/results/<result>.json): one per comparison the report shows.
  result: "stock-driver",
});

const run = (command: string, args: string[], cwd: string) => {
  const result = spawnSync(command, args, { cwd, stdio: "inherit", timeout: 15 * 60_000 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed in ${cwd}`);
};
const git = (...args: string[]) => run("git", args, REPO_ROOT);

const root = fs.mkdtempSync(path.join(os.tmpdir(), "oncely-compare-"));
fs.chmodSync(root, 0o755); // the benches' PostgreSQL runs as "postgres" when we are root
const trees = { before: path.join(root, "before"), after: path.join(root, "after") };
const commits = { before: options.before, after: options.after };
const runs: CommitComparisonResult["runs"] = [];
try {
  for (const side of ["before", "after"] as const) {
    git("worktree", "add", "--detach", trees[side], commits[side]);
    run("pnpm", ["install", "--frozen-lockfile", "--prefer-offline", "--reporter=silent"], trees[side]);
    run("pnpm", ["--filter", "@oncely/idempotency", "--if-present", "run", "build"], trees[side]);
  }
  for (let n = 1; n <= Number(options.runs); n++) {
    const order = n % 2 === 1 ? (["before", "after"] as const) : (["after", "before"] as const);
    for (const side of order) {
      const bench = path.join(trees[side], "bench");
      const args = ["--import", "tsx", "src/engine.ts", "--synchronous-commit", options["synchronous-commit"]];
      run(process.execPath, [...args, "--duration", options.duration, "--rounds", options.rounds], bench);
      const file = path.join(bench, "results", `engine-sync-${options["synchronous-commit"]}.json`);
      runs.push({ run: n, side, commit: commits[side], result: JSON.parse(fs.readFileSync(file, "utf8")) });
    }
  }
} finally {
  for (const tree of Object.values(trees)) {
    if (fs.existsSync(tree)) spawnSync("git", ["worktree", "remove", "--force", tree], { cwd: REPO_ROOT });
  }
  fs.rmSync(root, { recursive: true, force: true });
}
writeResult(options.result, describeRun(line, null), {
  commits,
  synchronousCommit: options["synchronous-commit"],
  runs,
} satisfies CommitComparisonResult);
