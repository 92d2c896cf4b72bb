// Where a request's cost goes, counted rather than timed: one request at a time to a fresh
// server process whose database traffic passes through a counting proxy (wire.ts). Per
// request: round trips and protocol messages, pg_stat_database's commits and tuples, and
// pg_stat_statements' statements (calls, rows, execution time). Background work the requests
// cause (apps/server's outbox worker) is waited for and counted with them; pg_stat_database's
// counts also hold the 11 s its numbers take to be published (apps/server's idle worker polls
// once a second in them: about 11 transactions per pass). Never run while
// throughput or CPU is measured: the proxy and pg_stat_statements cost both.
import { randomUUID } from "node:crypto";
import {
  databaseStatistics,
  perRequestDelta,
  resetStatementCosts,
  STATISTICS_DELAY_MS,
  statementCosts,
  waitForOutbox,
} from "./databaseCounters";
import { type BenchDatabase, setSystem } from "./environment";
import { expectOk, type OrderRequest } from "./orderRequests";
import type { RequestBreakdown } from "./resultTypes";
import type { ApiServer } from "./servers";
import { perRequest, startCountingProxy } from "./wire";

/** Cluster settings the breakdown needs at start: pg_stat_statements loaded (tracking is set by setBreakdownMode). */
export const BREAKDOWN_SETTINGS = { shared_preload_libraries: "pg_stat_statements" };

/**
 * For the breakdown: statement tracking on, autovacuum off (its ANALYZE and VACUUM would count
 * as the requests' tuples and commits). Off again (`false`) while anything is timed.
 */
export async function setBreakdownMode(database: BenchDatabase, on: boolean): Promise<void> {
  const { sql } = database.db;
  await sql`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`;
  await setSystem(database, {
    "pg_stat_statements.track": on ? "top" : "none",
    autovacuum: on ? "off" : "on",
  });
}

/**
 * `requests` new keys one at a time, then a replay of each, on a server started by `start`
 * with the proxy's URL as its database.
 */
export async function breakDownRequests(options: {
  database: BenchDatabase;
  start: (databaseUrl: string) => Promise<ApiServer>;
  request: OrderRequest;
  requests: number;
}): Promise<{ newKey: RequestBreakdown; replay: RequestBreakdown }> {
  const { database, request } = options;
  const { sql } = database.db;
  const proxy = await startCountingProxy(database.url);
  const server = await options.start(proxy.url);
  const url = `${server.base}/${request.path}`;
  const statisticsPublished = () => new Promise((resolve) => setTimeout(resolve, STATISTICS_DELAY_MS));
  const pass = async (keys: string[]): Promise<RequestBreakdown> => {
    const before = await databaseStatistics(sql);
    await resetStatementCosts(sql);
    proxy.reset();
    for (const key of keys) await expectOk(url, key, request);
    await waitForOutbox(sql);
    const wire = perRequest(proxy.read(), keys.length);
    const statements = (await statementCosts(sql)).map((s) => ({
      query: s.query,
      calls: s.calls / keys.length,
      rows: s.rows / keys.length,
      execMs: s.execMs / keys.length,
    }));
    await statisticsPublished();
    return { wire, database: perRequestDelta(before, await databaseStatistics(sql), keys.length), statements };
  };
  try {
    // Warm up: connections, prepared statements, JIT (the breakdown's own pauses follow).
    for (let i = 0; i < 50; i++) {
      const key = randomUUID();
      await expectOk(url, key, request);
      await expectOk(url, key, request);
    }
    await waitForOutbox(sql);
    await statisticsPublished();
    const keys = Array.from({ length: options.requests }, () => randomUUID());
    return { newKey: await pass(keys), replay: await pass(keys) };
  } finally {
    await server.stop();
    await proxy.close();
  }
}
