import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema";

export type Schema = typeof schema;
/** The drizzle database; `$client` is the postgres.js pool under it. */
export type Database = PostgresJsDatabase<Schema> & { $client: postgres.Sql };
/** The transaction handle drizzle passes to `db.transaction(async (tx) => ...)`. */
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];
/** Anything that can run a query: the pool or an open transaction. */
export type Queryable = Database | Transaction;

export interface DbClientOptions {
  /** Most connections this pool opens. Default 10. */
  max?: number;
  /** Name shown in pg_stat_activity. Default "oncely". */
  applicationName?: string;
}

export interface DbClient {
  db: Database;
  /** The underlying postgres.js pool, for raw SQL and for closing. */
  sql: postgres.Sql;
  close: () => Promise<void>;
}

/**
 * Seconds a connection waits before trying again after failing (postgres.js's `backoff`, given
 * the failures so far across the pool): 50 ms doubling, capped at 1 s, with jitter. The
 * driver's default (3^n / 100 s up to 20 s, n counted across the pool) kept a pool that had
 * failed a few dozen connects during a database restart waiting up to 20 s more after the
 * database was back, while every request meanwhile timed out (the soak measured 9 s).
 */
export const reconnectBackoff = (failures: number) => (0.5 + Math.random() / 2) * Math.min(0.05 * 2 ** failures, 1);

/** One pool per process; handlers get it (or a transaction from it) through the tRPC context. */
export function createDbClient(url: string, options: DbClientOptions = {}): DbClient {
  const sql = postgres(url, {
    max: options.max ?? 10,
    backoff: reconnectBackoff,
    // Quiet NOTICEs (e.g. "relation already exists, skipping" during migrations).
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? "oncely" },
  });
  const db = drizzle(sql, { schema });
  return { db, sql, close: () => sql.end({ timeout: 5 }) };
}
