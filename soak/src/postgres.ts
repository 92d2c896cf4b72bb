import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createDatabaseIfMissing, migrateDatabase, startEmbeddedPostgres } from "@oncely/db/setup";
import { PostgresControl } from "./postgresControl";

export interface SoakPostgres {
  url: string;
  host: string;
  port: number;
  /** The run's temporary directory (the cluster and the instances' logs live in it). */
  root: string;
  /** kill -9, restart, start again: the database faults. */
  control: PostgresControl;
  stop: () => Promise<void>;
}

/**
 * Longest a statement may run (PostgreSQL's statement_timeout), longer than the engine's 5 s
 * key-lock bound so a duplicate's wait still ends in its 409. A blackhole lasts longer than both.
 */
export const STATEMENT_TIMEOUT_MS = 6_000;

/**
 * The server settings of the soak's cluster. Durable: fsync, synchronous_commit and
 * full_page_writes on (the defaults, written out), because the soak kills PostgreSQL itself
 * and an acknowledged commit must survive that. The connection limit covers every instance's
 * pool, connections of killed instances or of a blackhole not yet noticed as dead, and the
 * soak's own pool.
 */
export const SOAK_POSTGRES_SETTINGS = {
  fsync: "on",
  synchronous_commit: "on",
  full_page_writes: "on",
  statement_timeout: `${STATEMENT_TIMEOUT_MS}ms`,
  max_connections: 300,
} as const;

/** A throwaway PostgreSQL for one soak, in a temporary directory, migrated. */
export async function startSoakPostgres(): Promise<SoakPostgres> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "oncely-soak-"));
  // As root, PostgreSQL runs as user "postgres", which must be able to reach the directory.
  await fs.chmod(root, 0o755);
  const embedded = await startEmbeddedPostgres({
    dataDir: path.join(root, "postgres"),
    settings: SOAK_POSTGRES_SETTINGS,
  });
  // The cluster's real directory (the one its processes name, should it have been placed elsewhere).
  const control = new PostgresControl(embedded.dataDir);
  // After a kill -9 the embedded handle no longer owns a running server; pg_ctl does the rest.
  const stop = async () => {
    if (control.postmasterPid() !== null) await embedded.stop().catch(() => control.killHard());
  };
  try {
    await createDatabaseIfMissing(embedded.url, "oncely_soak");
    const url = embedded.databaseUrl("oncely_soak");
    await migrateDatabase(url);
    return { url, host: "127.0.0.1", port: embedded.port, root, control, stop };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}
