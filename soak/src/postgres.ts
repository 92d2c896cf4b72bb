import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createDatabaseIfMissing, migrateDatabase, startEmbeddedPostgres } from "@oncely/db/setup";

export interface SoakPostgres {
  url: string;
  /** The run's temporary directory (the cluster and the instances' logs live in it). */
  root: string;
  stop: () => Promise<void>;
}

/**
 * A throwaway PostgreSQL for one soak, in a temporary directory, migrated.
 *
 * Durability settings are off: the soak kills API processes, never PostgreSQL, so fsync
 * changes nothing it measures and only slows a shared machine down. The connection limit
 * covers every instance's pool, restarted instances whose old connections are still being
 * noticed as dead, and the soak's own audit pool.
 */
export async function startSoakPostgres(): Promise<SoakPostgres> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "oncely-soak-"));
  // As root, PostgreSQL runs as user "postgres", which must be able to reach the directory.
  await fs.chmod(root, 0o755);
  const embedded = await startEmbeddedPostgres({
    dataDir: path.join(root, "postgres"),
    settings: { fsync: "off", full_page_writes: "off", max_connections: 200 },
  });
  try {
    await createDatabaseIfMissing(embedded.url, "oncely_soak");
    const url = embedded.databaseUrl("oncely_soak");
    await migrateDatabase(url);
    return { url, root, stop: embedded.stop };
  } catch (error) {
    await embedded.stop().catch(() => {});
    throw error;
  }
}
