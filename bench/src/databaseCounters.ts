// What requests cost PostgreSQL, read from PostgreSQL itself. Differences between two readings,
// divided by the requests answered in between.
import type postgres from "postgres";

/** Marks the bench's own queries (after SELECT: pg_stat_statements drops leading comments), so its readings leave them out. */
const OWN = "/* bench */";

const toNumbers = (row: Record<string, string> | undefined) =>
  Object.fromEntries(Object.entries(row ?? {}).map(([name, value]) => [name, Number(value)]));

/**
 * Counters that are exact at any moment (bench/src/load.ts's measureRounds reads them around
 * each load): transaction ids handed out (one per transaction or savepoint that wrote) and WAL bytes
 * inserted. Cluster-wide; the bench database is the only one in use.
 */
export async function writeCounters(sql: postgres.Sql): Promise<Record<string, number>> {
  const [row] = await sql<Record<string, string>[]>`
    SELECT ${sql.unsafe(OWN)} pg_snapshot_xmax(pg_current_snapshot())::text AS "transactionIds",
           (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::text AS "walBytes"`;
  return toNumbers(row);
}

/**
 * The bench database's statistics (pg_stat_database). Backends publish them lazily, up to
 * PGSTAT_IDLE_INTERVAL (10 s) after going idle, so a reading is complete only after a quiet
 * pause of that length (STATISTICS_DELAY_MS).
 */
export async function databaseStatistics(sql: postgres.Sql): Promise<Record<string, number>> {
  const [row] = await sql<Record<string, string>[]>`
    SELECT ${sql.unsafe(OWN)} xact_commit AS commits, xact_rollback AS rollbacks, tup_returned AS "tuplesReturned",
           tup_fetched AS "tuplesFetched", tup_inserted AS "tuplesInserted", tup_updated AS "tuplesUpdated",
           tup_deleted AS "tuplesDeleted", blks_hit + blks_read AS "blocksAccessed"
    FROM pg_stat_database WHERE datname = current_database()`;
  return toNumbers(row);
}
export const STATISTICS_DELAY_MS = 11_000;

/** Difference of two readings per request. */
export function perRequestDelta(
  before: Record<string, number>,
  after: Record<string, number>,
  requests: number,
): Record<string, number> {
  return Object.fromEntries(
    Object.keys(after).map((name) => [name, ((after[name] ?? 0) - (before[name] ?? 0)) / requests]),
  );
}

/**
 * Waits until apps/server's outbox worker has delivered every order confirmation, so its work
 * is counted with the requests that caused it; resolves with how many were pending at first.
 * Fails past `timeoutMs`: what is left would be counted with whatever is measured next.
 */
export async function waitForOutbox(sql: postgres.Sql, timeoutMs = 120_000): Promise<number> {
  const started = performance.now();
  // Both through the pending messages' partial index (ORDER BY its column), so that neither
  // reads the delivered ones: pg_stat_database would count them as the requests' tuples.
  const [first] = await sql<{ n: number }[]>`
    SELECT ${sql.unsafe(OWN)} count(*)::int AS n FROM (
      SELECT 1 FROM outbox_messages WHERE delivered_at IS NULL ORDER BY next_attempt_at LIMIT 1000000) AS pending`;
  for (;;) {
    const pending = await sql`
      SELECT ${sql.unsafe(OWN)} 1 FROM outbox_messages WHERE delivered_at IS NULL ORDER BY next_attempt_at LIMIT 1`;
    if (pending.length === 0) return first?.n ?? 0;
    if (performance.now() - started > timeoutMs) {
      throw new Error(`apps/server's outbox worker did not catch up in ${timeoutMs / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** What pg_stat_statements has counted since its last reset, most calls first. */
export async function statementCosts(sql: postgres.Sql) {
  const rows = await sql<{ query: string; calls: string; rows: string; execMs: number }[]>`
    SELECT ${sql.unsafe(OWN)} regexp_replace(query, '[[:space:]]+', ' ', 'g') AS query, calls, rows, total_exec_time AS "execMs"
    FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
    WHERE d.datname = current_database() AND query NOT LIKE ${`%${OWN}%`}
    ORDER BY calls DESC, total_exec_time DESC`;
  return rows.map((row) => ({
    query: row.query,
    calls: Number(row.calls),
    rows: Number(row.rows),
    execMs: row.execMs,
  }));
}

export async function resetStatementCosts(sql: postgres.Sql): Promise<void> {
  await sql`SELECT ${sql.unsafe(OWN)} pg_stat_statements_reset()`;
}
