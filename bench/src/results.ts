import fs from "node:fs";
import path from "node:path";

const FILE = path.resolve(import.meta.dirname, "../../BENCHMARKS.md");

/**
 * Replaces one benchmark's section of BENCHMARKS.md (between its markers), keeping the
 * other benchmarks' latest results.
 */
export function writeSection(name: string, markdown: string): void {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const current = fs.existsSync(FILE) ? fs.readFileSync(FILE, "utf8") : "# Benchmarks\n";
  const pattern = new RegExp(`${start}[\\s\\S]*?${end}`);
  const next = pattern.test(current) ? current.replace(pattern, block) : `${current.trimEnd()}\n\n${block}\n`;
  fs.writeFileSync(FILE, next);
}

const RESULTS_DIR = path.resolve(import.meta.dirname, "../results");

/** Keeps a benchmark's numbers as JSON (bench/results/), for the chart. */
export function writeResult(name: string, data: unknown): void {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, `${name}.json`), `${JSON.stringify(data, null, 2)}\n`);
}

export function readResult<T>(name: string): T | null {
  const file = path.join(RESULTS_DIR, `${name}.json`);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as T) : null;
}

export interface EngineResult {
  throughputRatio: number;
  /** Plain's CPU per request over idempotent's. */
  cpuRatio: number;
  alwaysFastPathRatio: number;
  /** Idempotent / plain for the ledger transfer. */
  transferThroughputRatio: number;
  transferCpuRatio: number;
  replayOverFirst: number;
  rawOverPlain: number;
}

export interface KeyTableResult {
  bySize: { rows: number; fillSeconds: number; create: number; replay: number }[];
}
