import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import type { ReaperMessage } from "./reaper";

const REAPER_SCRIPT = path.join(import.meta.dirname, "reaper.ts");

export interface Reaper {
  pid: number;
  tell: (message: ReaperMessage) => void;
  /** The run cleaned up after itself: the reaper leaves without touching anything. */
  done: () => void;
}

/**
 * Starts the reaper (src/reaper.ts) in a session of its own, so that it survives whatever
 * kills the runner, and reports to it over a pipe that closes when the runner dies.
 */
export function startReaper(): Reaper {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", REAPER_SCRIPT], {
    cwd: path.dirname(REAPER_SCRIPT),
    detached: true,
    stdio: ["pipe", "ignore", "inherit"],
  });
  // Neither the reaper nor the pipe keeps the runner alive.
  child.unref();
  const stdin = child.stdin as (NodeJS.WritableStream & { unref?: () => void }) | null;
  stdin?.unref?.();
  stdin?.on("error", () => {});
  const tell = (message: ReaperMessage) => {
    stdin?.write(`${JSON.stringify(message)}\n`);
  };
  return {
    pid: child.pid ?? 0,
    tell,
    done: () => {
      tell({ done: true });
      stdin?.end();
    },
  };
}
