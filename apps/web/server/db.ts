import { createDbClient, type Database, type DbClient } from "@oncely/db";

// One pool per process, shared by every route bundle (and kept across dev reloads).
const processWide = globalThis as { __oncelyWebDb?: DbClient };

/** The process-wide database, created on first use from `DATABASE_URL`. */
export function getDb(): Database {
  if (!processWide.__oncelyWebDb) {
    const url = process.env.DATABASE_URL;
    if (!url) {
      throw new Error(
        "DATABASE_URL is not set. Start the web app with `pnpm start` (it opens PostgreSQL and sets DATABASE_URL), or set DATABASE_URL yourself.",
      );
    }
    processWide.__oncelyWebDb = createDbClient(url, {
      max: Number(process.env.DB_POOL_SIZE ?? 10),
      applicationName: "oncely-web",
    });
  }
  return processWide.__oncelyWebDb.db;
}
