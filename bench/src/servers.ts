// The servers the benches load over HTTP, each in its own process: apps/server, the real Oncely
// API (the AppRouter with its auth, the idempotency engine, the outbox worker and the sweeper),
// started the way it is deployed; the hand-rolled baseline; and the bench's own servers (the
// engine's handlers with and without it, the fairness server). Every bench starts its servers
// here, and only here. Each one says "listening on <its tRPC base URL>" once it is up.
import path from "node:path";
import { type RunningProcess, startNodeProcess } from "./processes";

const SERVER_DIR = path.resolve(import.meta.dirname, "../../apps/server");
/** How apps/server runs (its `start` script): from its tsup build, which `pnpm bench` makes first. */
const SERVER_ENTRY = ["--enable-source-maps", "dist/bin/main.js"];

export interface ApiServer extends RunningProcess {
  /** Base URL of its tRPC endpoint, e.g. http://127.0.0.1:4123/trpc */
  base: string;
}

async function startServer(options: { args: string[]; env: Record<string, string>; cwd?: string }) {
  const server = await startNodeProcess({ ...options, listening: /listening on (http:\/\/\S+\/trpc)/ });
  return { ...server, base: server.match[1] ?? "" };
}

/** One of the bench's own server scripts (bench/src/...), run with tsx. */
const startScript = (script: string, env: Record<string, string>) =>
  startServer({ args: ["--import", "tsx", path.join(import.meta.dirname, script)], env });

/**
 * Starts apps/server on a free loopback port against `databaseUrl` (already migrated and
 * seeded), chaos layer off (ONCELY_DEMO=0), pool of `poolSize`. `nodeArgs` go before the entry
 * point (e.g. `--cpu-prof`). `outboxWorker: false` starts it without its in-process outbox worker
 * (OUTBOX_POLL_MS=0), as when another process delivers the outbox.
 */
export function startApiServer(options: {
  databaseUrl: string;
  poolSize: number;
  nodeArgs?: string[];
  outboxWorker?: boolean;
}): Promise<ApiServer> {
  return startServer({
    args: [...(options.nodeArgs ?? []), ...SERVER_ENTRY],
    cwd: SERVER_DIR,
    env: {
      DATABASE_URL: options.databaseUrl,
      DB_POOL_SIZE: String(options.poolSize),
      ONCELY_DEMO: "0",
      PORT: "0",
      HOST: "127.0.0.1",
      ...(options.outboxWorker === false ? { OUTBOX_POLL_MS: "0" } : {}),
    },
  });
}

/** Starts the hand-rolled baseline (bench/src/handRolled/server.ts) the same way. */
export function startHandRolledServer(options: { databaseUrl: string; poolSize: number }): Promise<ApiServer> {
  return startScript("handRolled/server.ts", {
    DATABASE_URL: options.databaseUrl,
    DB_POOL_SIZE: String(options.poolSize),
  });
}

/** bench/src/benchServer.ts: the engine's handlers with and without the middleware. */
export function startBenchServer(options: {
  databaseUrl: string;
  principalId: string;
  poolSize: number;
}): Promise<ApiServer> {
  return startScript("benchServer.ts", {
    DATABASE_URL: options.databaseUrl,
    BENCH_PRINCIPAL_ID: options.principalId,
    DB_POOL_SIZE: String(options.poolSize),
  });
}

/** bench/src/fairness/server.ts; `env` as that file reads it. */
export function startFairnessServer(env: Record<string, string>): Promise<ApiServer> {
  return startScript("fairness/server.ts", env);
}
