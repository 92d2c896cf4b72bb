// `pnpm bench`: every benchmark, one after another (they share the two cores), then the chart.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { writeSection } from "./results";

const here = import.meta.dirname;
const steps: [string, string[]][] = [
  ["engine, CPU-bound", [path.join(here, "engine.ts"), "--synchronous-commit", "off"]],
  ["engine, durable", [path.join(here, "engine.ts"), "--synchronous-commit", "on"]],
  ["engine, statement by statement", [path.join(here, "statements.ts")]],
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
// The SDK's own benchmark prints a markdown section; keep it in BENCHMARKS.md with the rest.
const sdk = spawnSync("pnpm", ["--silent", "--filter", "@oncely/sdk", "run", "bench"], {
  stdio: ["ignore", "pipe", "inherit"],
  encoding: "utf8",
});
process.stdout.write(sdk.stdout);
if (sdk.status !== 0) process.exit(1);
const section = sdk.stdout.slice(sdk.stdout.indexOf("## "));
if (section.startsWith("## ")) writeSection("sdk-overhead", section);
