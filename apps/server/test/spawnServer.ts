import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";

const SERVER_DIR = path.resolve(import.meta.dirname, "..");
/** The built server (test/build.ts builds it before the tests run). */
export const SERVER_MAIN = path.join(SERVER_DIR, "dist", "bin", "main.js");
export const SWEEP_MAIN = path.join(SERVER_DIR, "dist", "bin", "sweep.js");

export interface RunningServer {
  url: string;
  /** http://127.0.0.1:port (no /trpc). */
  origin: string;
  process: ChildProcess;
  output: () => string;
  /** Sends a signal and resolves with the exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/**
 * Starts the built apps/server as a real child process (`node dist/bin/main.js`, PORT=0) and
 * waits for its "listening" line. `cwd` defaults to apps/server.
 */
export async function spawnServer(env: Record<string, string>, options: { cwd?: string } = {}): Promise<RunningServer> {
  const child = spawn(process.execPath, [SERVER_MAIN], {
    cwd: options.cwd ?? SERVER_DIR,
    env: { ...process.env, PORT: "0", ONCELY_DEMO: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 60 s:\n${output}`)), 60_000);
    const onData = () => {
      const match = /Oncely API listening on (http:\/\/\S+\/trpc)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output}`));
    });
  });

  return {
    url,
    origin: new URL(url).origin,
    process: child,
    output: () => output,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a built entry (main.js, sweep.js) to its end, with `env` added to ours. */
export function runToExit(
  entry: string,
  env: Record<string, string>,
  options: { cwd?: string } = {},
): Promise<Finished> {
  const child = spawn(process.execPath, [entry], {
    cwd: options.cwd ?? SERVER_DIR,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk) => (stdout += chunk));
  child.stderr?.on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}
