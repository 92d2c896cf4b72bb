import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createDbClient, type DbClient, seedDemo } from "@oncely/db";
import { createDatabaseIfMissing, migrateDatabase, startEmbeddedPostgres } from "@oncely/db/setup";
import { clusterCpuMs } from "./cpu";

export interface BenchEnvironment {
  /** The bench database's URL. */
  url: string;
  /** A pool on it, for setup and checks outside the measured server. */
  db: DbClient;
  principalId: string;
  accountId: string;
  /** alice's USD accounts for the transfer load: pairs drawn at random rarely wait on each other's row locks. */
  transferAccountIds: string[];
  postgresVersion: string;
  /** Base URL of the bench server's tRPC endpoint. */
  base: string;
  /** CPU time (ms) the bench server and the whole PostgreSQL cluster have used so far. */
  cpuMs: () => { server: number; postgres: number };
  stop: () => Promise<void>;
}

const TRANSFER_ACCOUNTS = 2048;

/**
 * A throwaway embedded PostgreSQL with the migrated, seeded bench database, and the bench
 * server (bench/src/benchServer.ts) in its own process in front of it.
 */
export async function startBenchEnvironment(settings: Record<string, string | number>): Promise<BenchEnvironment> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "oncely-bench-"));
  await fs.chmod(root, 0o755); // PostgreSQL runs as user "postgres" when we are root
  const dataDir = path.join(root, "pg");
  const cluster = await startEmbeddedPostgres({
    dataDir,
    settings: { max_connections: 200, ...settings },
  });
  let server: ChildProcess | undefined;
  let db: DbClient | undefined;
  const stop = async () => {
    server?.kill("SIGTERM");
    await db?.close();
    await cluster.stop();
    await fs.rm(root, { recursive: true, force: true });
  };
  try {
    await createDatabaseIfMissing(cluster.url, "bench");
    const url = cluster.databaseUrl("bench");
    await migrateDatabase(url);
    db = createDbClient(url, { max: 4 });
    await seedDemo(db.db);
    const [alice] = await db.sql<{ principal: string; account: string }[]>`
      SELECT p.id AS principal, a.id AS account FROM principals p JOIN accounts a ON a.principal_id = p.id
      WHERE p.name = 'alice' AND a.kind = 'customer' ORDER BY a.name LIMIT 1`;
    const [version] = await db.sql<{ server_version: string }[]>`SHOW server_version`;
    if (!alice || !version) throw new Error("seeding the bench database failed");
    const transferAccounts = await db.sql<{ id: string }[]>`
      INSERT INTO accounts (principal_id, name, kind, currency, balance)
      SELECT ${alice.principal}, 'bench ' || n, 'customer', 'USD', 1000000000000
      FROM generate_series(1, ${TRANSFER_ACCOUNTS}) AS n RETURNING id`;

    server = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "benchServer.ts")], {
      env: { ...process.env, DATABASE_URL: url, BENCH_PRINCIPAL_ID: alice.principal },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const child = server;
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      child.stdout?.on("data", (chunk) => {
        out += chunk;
        const match = /listening (\d+)/.exec(out);
        if (match) resolve(Number(match[1]));
      });
      child.once("exit", (code) => reject(new Error(`bench server exited with ${code}`)));
    });
    return {
      url,
      db,
      principalId: alice.principal,
      accountId: alice.account,
      transferAccountIds: transferAccounts.map((a) => a.id),
      postgresVersion: `PostgreSQL ${version.server_version}`,
      base: `http://127.0.0.1:${port}/trpc`,
      cpuMs: () => clusterCpuMs(child.pid ?? 0, dataDir),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
