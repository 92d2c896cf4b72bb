// `pnpm bench`: every benchmark, one after another (they share the two cores), then the chart.
import { spawnSync } from "node:child_process";
import path from "node:path";

const here = import.meta.dirname;
const steps: [string, string[]][] = [
  ["engine, CPU-bound", [path.join(here, "engine.ts"), "--synchronous-commit", "off"]],
  ["engine, durable", [path.join(here, "engine.ts"), "--synchronous-commit", "on"]],
  ["key table, storm, sweeper", [path.join(here, "keyTable.ts")]],
  ["chart", [path.join(here, "chart.ts")]],
];
for (const [name, args] of steps) {
  process.stderr.write(`\n== ${name}\n`);
  const run = spawnSync(process.execPath, ["--import", "tsx", ...args], { stdio: "inherit" });
  if (run.status !== 0) {
    process.stderr.write(`${name} failed (${run.status ?? run.signal})\n`);
    process.exit(1);
  }
}
const sdk = spawnSync("pnpm", ["--filter", "@oncely/sdk", "--if-present", "run", "bench"], { stdio: "inherit" });
if (sdk.status !== 0) process.exit(1);
