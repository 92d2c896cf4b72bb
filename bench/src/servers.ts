// The servers the benches load over HTTP, each in its own process: apps/server, the real Oncely
// API (the AppRouter with its auth, the idempotency engine, the outbox worker and the sweeper),
// started the way it is deployed; and the hand-rolled baseline. Every bench that runs
// apps/server starts it here, and only here.
import path from "node:path";
import { type RunningProcess, startNodeProcess } from "./processes";

const SERVER_DIR = path.resolve(import.meta.dirname, "../../apps/server");
/** How apps/server runs (its `start` script): from its tsup build, which `pnpm bench` makes first. */
const SERVER_ENTRY = ["--enable-source-maps", "dist/bin/main.js"];

export interface ApiServer extends RunningProcess {
  /** Base URL of its tRPC endpoint, e.g. http://127.0.0.1:4123/trpc */
  base: string;
}

/**
 * Starts apps/server on a free loopback port against `databaseUrl` (already migrated and
 * seeded), chaos layer off (ONCELY_DEMO=0), pool of `poolSize`. `nodeArgs` go before the entry
 * point (e.g. `--cpu-prof`). `outboxWorker: false` starts it without its in-process outbox worker
 * (OUTBOX_POLL_MS=0), as when another process delivers the outbox.
 */
export async function startApiServer(options: {
  databaseUrl: string;
  poolSize: number;
  nodeArgs?: string[];
  outboxWorker?: boolean;
}): Promise<ApiServer> {
  const server = await startNodeProcess({
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
    listening: /Oncely API listening on (http:\/\/\S+\/trpc)/,
  });
  return { ...server, base: server.match[1] ?? "" };
}

/** Starts the hand-rolled baseline (bench/src/handRolled/server.ts) the same way. */
export async function startHandRolledServer(options: { databaseUrl: string; poolSize: number }): Promise<ApiServer> {
  const server = await startNodeProcess({
    args: ["--import", "tsx", path.join(import.meta.dirname, "handRolled/server.ts")],
    env: { DATABASE_URL: options.databaseUrl, DB_POOL_SIZE: String(options.poolSize) },
    listening: /hand-rolled listening on (http:\/\/\S+\/trpc)/,
  });
  return { ...server, base: server.match[1] ?? "" };
}
