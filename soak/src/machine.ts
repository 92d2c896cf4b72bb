import { execFileSync } from "node:child_process";
import os from "node:os";
import { REPO_ROOT } from "./options";

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  /** Load average (1 min) when the run started: other work on the same cores. */
  loadAtStart: number;
  commit: string;
}

/** What the numbers were measured on. */
export function describeMachine(): Machine {
  return {
    cpu: os.cpus()[0]?.model.trim() ?? "unknown",
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    loadAtStart: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
    commit: gitCommit(),
  };
}

function gitCommit(): string {
  try {
    const git = (...args: string[]) => execFileSync("git", args, { cwd: REPO_ROOT, encoding: "utf8" }).trim();
    const dirty = git("status", "--porcelain").length > 0;
    return `${git("rev-parse", "--short", "HEAD")}${dirty ? " (with uncommitted changes)" : ""}`;
  } catch {
    return "unknown (not a git checkout)";
  }
}
