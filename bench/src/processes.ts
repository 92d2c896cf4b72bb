import { spawn } from "node:child_process";
import { processCpuMs } from "./cpu";

export interface RunningProcess {
  /** What the `listening` pattern matched in the process's output. */
  match: RegExpExecArray;
  /** CPU time (ms) the process has used so far. */
  cpuMs: () => number;
  /** SIGTERM, then resolves once it exited (so a `--cpu-prof` profile is written). */
  stop: () => Promise<void>;
}

const cleanups = new Set<() => Promise<void>>();
let handlingSignals = false;

/**
 * Runs `cleanup` if this process is told to stop (SIGTERM from `pnpm bench`'s time bound, or
 * Ctrl-C) before it is done, so no server or PostgreSQL cluster outlives the bench. Returns a
 * function that forgets it (call it once the thing is stopped normally).
 */
export function stopOnSignal(cleanup: () => Promise<void>): () => void {
  if (!handlingSignals) {
    handlingSignals = true;
    const stopAll = async (signal: NodeJS.Signals) => {
      process.stderr.write(`${signal}: stopping servers and PostgreSQL\n`);
      for (const stop of [...cleanups].reverse()) await stop().catch(() => {});
      process.exit(1);
    };
    process.once("SIGTERM", stopAll).once("SIGINT", stopAll);
  }
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

/**
 * Starts a Node process (this Node, so the same version everywhere) and resolves once its
 * stdout or stderr matches `listening`. Its output is passed through only if it fails to start.
 */
export async function startNodeProcess(options: {
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  listening: RegExp;
}): Promise<RunningProcess> {
  const child = spawn(process.execPath, options.args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`not listening after ${START_TIMEOUT_MS / 1000} s:\n${output}`)),
      START_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
      const found = options.listening.exec(output);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${options.args.join(" ")} exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
  // From here its output is only drained (apps/server logs every request), so a chatty process
  // never blocks on a full pipe, and the bench process, which drives the load, does no more with it.
  child.stdout.removeAllListeners("data").resume();
  child.stderr.removeAllListeners("data").resume();
  const stop = async () => {
    forget();
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(killer);
  };
  const forget = stopOnSignal(stop);
  const pid = child.pid ?? 0;
  return { match, cpuMs: () => processCpuMs(pid), stop };
}
