import { createDbClient, type Database, type DbClient } from "@oncely/db";
import { env } from "./env";

// One pool per process, shared by every route bundle (and kept across dev reloads).
const processWide = globalThis as { __oncelyWebDb?: DbClient };

/** The process-wide database, created on first use from `DATABASE_URL`. */
export function getDb(): Database {
  if (!processWide.__oncelyWebDb) {
    const { databaseUrl, dbPoolSize } = env();
    processWide.__oncelyWebDb = createDbClient(databaseUrl, { max: dbPoolSize, applicationName: "oncely-web" });
  }
  return processWide.__oncelyWebDb.db;
}
