// `pnpm bench` (SDK part): runs @oncely/sdk's own overhead bench (packages/sdk/bench) and keeps
// what it printed, its table and the median ratio of each row, in bench/results/sdk-overhead.json.
import { spawnSync } from "node:child_process";
import { describeRun, parseBenchOptions, writeResult } from "./results";
import type { SdkOverheadResult } from "./resultTypes";

const { line } = parseBenchOptions({});
const run = spawnSync("pnpm", ["--silent", "--filter", "@oncely/sdk", "run", "bench"], {
  stdio: ["ignore", "pipe", "inherit"],
  encoding: "utf8",
});
process.stdout.write(run.stdout);
if (run.status !== 0) process.exit(run.status ?? 1);
const section = run.stdout.slice(run.stdout.indexOf("## ")).trim();
// Table rows: | call | bare µs | SDK µs | ratio of means | **median ratio** | range | goal? |
const medianRatios = Object.fromEntries(
  [...section.matchAll(/^\| ([^|]+?) \|(?:[^|]*\|){3} \*\*([\d.]+)\*\* \|/gm)].map((m) => [m[1], Number(m[2])]),
);
if (!section.startsWith("## ") || Object.keys(medianRatios).length === 0) {
  throw new Error("the SDK bench printed no table this script can read");
}
const result: SdkOverheadResult = { section, medianRatios };
writeResult("sdk-overhead", describeRun(`${line} (runs pnpm --filter @oncely/sdk bench)`, null), result);
