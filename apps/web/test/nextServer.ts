import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";

const APP_DIR = path.resolve(import.meta.dirname, "..");
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

export interface RunningWeb {
  /** http://127.0.0.1:<port> */
  origin: string;
  process: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/**
 * Runs the BUILT app (`next start` in apps/web) as a child process on a free loopback port,
 * against `databaseUrl`, with `options.env` added to this process's environment (`ONCELY_DEMO`:
 * "1" turns demo mode and the chaos panel on, "0" off) and a fresh session secret unless
 * given. Fails (never skips) when there is no production build.
 */
export async function startBuiltWeb(
  databaseUrl: string,
  options: { env?: Record<string, string | undefined> } = {},
): Promise<RunningWeb> {
  if (!existsSync(path.join(APP_DIR, ".next", "BUILD_ID"))) {
    throw new Error(
      "apps/web has no production build (.next/BUILD_ID is missing). Run `pnpm --filter @oncely/web build` first; the root `pnpm test` builds it for you.",
    );
  }
  const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");
  const port = await freePort();
  const child = spawn(process.execPath, [nextBin, "start", "--port", String(port), "--hostname", "127.0.0.1"], {
    cwd: APP_DIR,
    env: {
      ...process.env,
      ONCELY_SESSION_SECRET: randomBytes(32).toString("base64url"),
      ...options.env,
      DATABASE_URL: databaseUrl,
      NEXT_TELEMETRY_DISABLED: "1",
      NODE_ENV: "production",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`next start did not get ready in ${START_TIMEOUT_MS} ms:\n${output}`));
    }, START_TIMEOUT_MS);
    const onData = () => {
      if (/Ready in/.test(output)) {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`next start exited (${code ?? signal}) before it was ready:\n${output}`));
    });
  });

  return {
    origin: `http://127.0.0.1:${port}`,
    process: child,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A loopback port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
