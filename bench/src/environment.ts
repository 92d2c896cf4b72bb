import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createDbClient, type DbClient, DEMO_PRINCIPALS, seedDemo } from "@oncely/db";
import {
  createDatabaseIfMissing,
  type EmbeddedPostgres,
  migrateDatabase,
  startEmbeddedPostgres,
} from "@oncely/db/setup";
import { postgresCpuMs } from "./cpu";
import { stopOnSignal } from "./processes";
import { type ApiServer, startBenchServer } from "./servers";

/** A database on the bench's cluster, migrated and seeded with the demo principals. */
export interface SeededDatabase {
  /** The database's URL. */
  url: string;
  /** A pool on it, for setup and checks outside the measured servers. */
  db: DbClient;
  /** alice's id, and her first customer account (USD). */
  principalId: string;
  accountId: string;
  /** alice's API key, as a client sends it (`Authorization: Bearer ...`). */
  apiKey: string;
  /** alice's USD accounts for the transfer load: pairs drawn at random rarely wait on each other's row locks. */
  transferAccountIds: string[];
}

/** The bench database (named "bench") on its throwaway cluster. */
export interface BenchDatabase extends SeededDatabase {
  postgresVersion: string;
  /** CPU time (ms) the whole PostgreSQL cluster (postmaster and every backend) has used so far. */
  postgresCpuMs: () => number;
  /**
   * Another database on the same cluster, prepared like the bench database: for a server whose
   * tables must not be shared (its pool is closed by `stop`).
   */
  addDatabase: (name: string) => Promise<SeededDatabase>;
  stop: () => Promise<void>;
}

export interface BenchEnvironment extends BenchDatabase {
  /** Base URL of the bench server's tRPC endpoint. */
  base: string;
  /** CPU time (ms) the bench server and the whole PostgreSQL cluster have used so far. */
  cpuMs: () => { server: number; postgres: number };
}

const TRANSFER_ACCOUNTS = 2048;
/** The bench server's pool (startBenchEnvironment). */
export const BENCH_SERVER_POOL_SIZE = 10;
const ALICE = DEMO_PRINCIPALS.find((p) => p.name === "alice") as (typeof DEMO_PRINCIPALS)[number];

/** A throwaway embedded PostgreSQL with the migrated database, seeded with the demo principals. */
export async function startBenchDatabase(settings: Record<string, string | number>): Promise<BenchDatabase> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "oncely-bench-"));
  await fs.chmod(root, 0o755); // PostgreSQL runs as user "postgres" when we are root
  const dataDir = path.join(root, "pg");
  const cluster = await startEmbeddedPostgres({
    dataDir,
    settings: { max_connections: 200, ...settings },
  });
  const pools: DbClient[] = [];
  const stop = async () => {
    forget();
    await Promise.all(pools.map((pool) => pool.close()));
    await cluster.stop();
    await fs.rm(root, { recursive: true, force: true });
  };
  const forget = stopOnSignal(stop);
  const addDatabase = (name: string) => prepareDatabase(cluster, name, pools);
  try {
    const bench = await addDatabase("bench");
    const [version] = await bench.db.sql<{ server_version: string }[]>`SHOW server_version`;
    if (!version) throw new Error("the bench database did not say its version");
    return {
      ...bench,
      postgresVersion: `PostgreSQL ${version.server_version}`,
      postgresCpuMs: () => postgresCpuMs(dataDir),
      addDatabase,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Creates, migrates and seeds database `name` on `cluster`; its pool joins `pools` (closed on stop). */
async function prepareDatabase(cluster: EmbeddedPostgres, name: string, pools: DbClient[]): Promise<SeededDatabase> {
  await createDatabaseIfMissing(cluster.url, name);
  const url = cluster.databaseUrl(name);
  await migrateDatabase(url);
  const db = createDbClient(url, { max: 4, applicationName: "oncely-bench" });
  pools.push(db);
  await seedDemo(db.db);
  const [alice] = await db.sql<{ principal: string; account: string }[]>`
    SELECT p.id AS principal, a.id AS account FROM principals p JOIN accounts a ON a.principal_id = p.id
    WHERE p.name = ${ALICE.name} AND a.kind = 'customer' ORDER BY a.name LIMIT 1`;
  if (!alice) throw new Error(`seeding database ${name} failed`);
  const transferAccounts = await db.sql<{ id: string }[]>`
    INSERT INTO accounts (principal_id, name, kind, currency, balance)
    SELECT ${alice.principal}, 'bench ' || n, 'customer', 'USD', 1000000000000
    FROM generate_series(1, ${TRANSFER_ACCOUNTS}) AS n RETURNING id`;
  return {
    url,
    db,
    principalId: alice.principal,
    accountId: alice.account,
    apiKey: ALICE.apiKey,
    transferAccountIds: transferAccounts.map((a) => a.id),
  };
}

/**
 * The bench database and the bench server (bench/src/benchServer.ts, the same handlers with and
 * without the middleware) in its own process in front of it.
 */
export async function startBenchEnvironment(settings: Record<string, string | number>): Promise<BenchEnvironment> {
  const database = await startBenchDatabase(settings);
  let server: ApiServer;
  try {
    server = await startBenchServer({
      databaseUrl: database.url,
      principalId: database.principalId,
      poolSize: BENCH_SERVER_POOL_SIZE,
    });
  } catch (error) {
    await database.stop();
    throw error;
  }
  return {
    ...database,
    base: server.base,
    cpuMs: () => ({ server: server.cpuMs(), postgres: database.postgresCpuMs() }),
    stop: async () => {
      await server.stop();
      await database.stop();
    },
  };
}

/**
 * Changes server settings for every session with ALTER SYSTEM (a setting given at the cluster's
 * start would override it), and checks that this session sees them.
 */
export async function setSystem(database: SeededDatabase, settings: Record<string, string>): Promise<void> {
  const { sql } = database.db;
  for (const [name, value] of Object.entries(settings)) {
    await sql.unsafe(`ALTER SYSTEM SET ${name} = '${value}'`);
  }
  await sql`SELECT pg_reload_conf()`;
  await new Promise((resolve) => setTimeout(resolve, 500));
  for (const [name, value] of Object.entries(settings)) {
    const [row] = await sql<{ setting: string }[]>`SELECT current_setting(${name}) AS setting`;
    if (row?.setting !== value) throw new Error(`${name} is ${row?.setting}, not ${value}`);
  }
}
