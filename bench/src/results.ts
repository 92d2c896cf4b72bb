// Where benchmark numbers live: one JSON file per benchmark under bench/results/ (committed),
// each saying when, where, with which command and on which commit it was measured.
// BENCHMARKS.md, docs/benchmarks.svg and the profile section of bench/README.md are generated
// from these files (src/report.ts), never typed by hand.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

export const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
const RESULTS_DIR = path.join(REPO_ROOT, "bench/results");
/** Files the benches write: a change to them is not a change to what was measured. */
const OUTPUTS = ["bench/results", "BENCHMARKS.md", "docs/benchmarks.svg", "bench/README.md"];

export interface RunInfo {
  /** ISO timestamp of the end of the run. */
  date: string;
  /** What was typed: `pnpm bench` (set by src/all.ts), or the script run on its own. */
  command: string;
  /** The script and every option it ran with, defaults included. */
  script: string;
  /** The commit measured, and whether the work tree had other changes (outside the benches' outputs). */
  commit: string;
  uncommittedChanges: boolean;
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGiB: number;
    os: string;
    node: string;
    postgres: string | null;
    /** 1-minute load average when the run ended: the machine is shared. */
    loadAverage: number;
  };
}

/** The options of a bench script (all `--name value`), defaults applied, and the command line they make. */
export function parseBenchOptions<K extends string>(defaults: Record<K, string>) {
  const { values } = parseArgs({
    options: Object.fromEntries(
      Object.entries(defaults).map(([name, value]) => [name, { type: "string", default: value as string }]),
    ),
  });
  const options = values as Record<K, string>;
  const script = path.relative(REPO_ROOT, process.argv[1] ?? "");
  const line = [script, ...Object.entries(options).map(([name, value]) => `--${name} ${value}`)].join(" ");
  return { options, line };
}

function git(args: string[]): string {
  try {
    return execFileSync("git", args, { cwd: REPO_ROOT, encoding: "utf8" }).trim();
  } catch {
    return "";
  }
}

export function describeRun(scriptLine: string, postgresVersion: string | null): RunInfo {
  const cpus = os.cpus();
  const changes = git(["status", "--porcelain", "--", ".", ...OUTPUTS.map((p) => `:!${p}`)]);
  return {
    date: new Date().toISOString(),
    command:
      process.env.ONCELY_BENCH_COMMAND ?? `pnpm --filter @oncely/bench exec tsx ${scriptLine.replace(/^bench\//, "")}`,
    script: scriptLine,
    commit: git(["rev-parse", "HEAD"]) || "unknown",
    uncommittedChanges: changes.length > 0,
    machine: {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model.trim() ?? "unknown CPU",
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      os: `${os.type()} ${os.release()}`,
      node: process.version,
      postgres: postgresVersion,
      loadAverage: Number((os.loadavg()[0] ?? 0).toFixed(2)),
    },
  };
}

/** Writes bench/results/<name>.json: the run's description, then the data. */
export function writeResult(name: string, run: RunInfo, data: object): void {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.json`);
  fs.writeFileSync(file, `${JSON.stringify({ run, ...data }, null, 2)}\n`);
  process.stderr.write(`wrote ${path.relative(process.cwd(), file)}\n`);
}

/** A result file's content, or null when that part has not been measured. */
export type Measured<T> = (T & { run: RunInfo }) | null;

export function readResult<T>(name: string): Measured<T> {
  const file = path.join(RESULTS_DIR, `${name}.json`);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as T & { run: RunInfo }) : null;
}
