// `pnpm bench`: builds what the benches import, runs every benchmark one after another (they
// share the cores), each bounded in time, then writes BENCHMARKS.md, docs/benchmarks.svg and
// bench/README.md's profile section from the results (src/report.ts).
import { spawnSync } from "node:child_process";
import path from "node:path";
import { REPO_ROOT } from "./results";

const here = import.meta.dirname;
const BENCH_DIR = path.resolve(here, "..");
const minutes = (n: number) => n * 60_000;
const tsx = (script: string, ...args: string[]) => [
  process.execPath,
  "--import",
  "tsx",
  path.join(here, script),
  ...args,
];
// [what, command, longest it may take]: a step past its bound fails the run instead of hanging it.
const steps: [string, string[], number][] = [
  [
    "build apps/server and the packages the benches import",
    [
      "pnpm",
      "exec",
      "turbo",
      "run",
      "build",
      "--filter=@oncely/bench^...",
      "--filter=@oncely/server...",
      "--output-logs=errors-only",
    ],
    minutes(5),
  ],
  ["Oncely against the hand-rolled keyed order", tsx("handRolled.ts"), minutes(12)],
  ["engine, CPU-bound", tsx("engine.ts", "--synchronous-commit", "off"), minutes(6)],
  ["engine, durable", tsx("engine.ts", "--synchronous-commit", "on"), minutes(6)],
  ["engine, statement by statement", tsx("statements.ts"), minutes(7)],
  ["CPU profile of apps/server", tsx("profile.ts"), minutes(3)],
  ["key table, storm, sweeper", tsx("keyTable.ts"), minutes(10)],
  ["another principal during a duplicate storm", tsx("fairness.ts"), minutes(3)],
  ["SDK overhead", tsx("sdkOverhead.ts"), minutes(5)],
  ["report", tsx("report.ts"), minutes(1)],
];
const started = performance.now();
for (const [name, [command = "", ...args], timeout] of steps) {
  process.stderr.write(`\n== ${name}\n`);
  const t0 = performance.now();
  const run = spawnSync(command, args, {
    cwd: command === "pnpm" ? REPO_ROOT : BENCH_DIR, // tsx is the bench's dependency
    stdio: "inherit",
    timeout,
    killSignal: "SIGTERM",
    env: { ...process.env, ONCELY_BENCH_COMMAND: "pnpm bench" },
  });
  const took = `${((performance.now() - t0) / 60_000).toFixed(1)} min`;
  if (run.status !== 0) {
    process.stderr.write(`${name} failed after ${took} (${run.error?.message ?? run.status ?? run.signal})\n`);
    process.exit(1);
  }
  process.stderr.write(`== ${name}: ${took}\n`);
}
process.stderr.write(`\npnpm bench: ${((performance.now() - started) / 60_000).toFixed(1)} min\n`);
