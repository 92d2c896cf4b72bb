import type { ObservedRequest } from "@oncely/api";
import { schema } from "@oncely/db";
import { getTableName } from "drizzle-orm";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Monitor } from "./monitor";

/**
 * `GET /metrics` (Prometheus text format). Request counts and latencies come from each
 * request's report (apps/server/src/requestLog.ts); database-side figures are read once per
 * scrape with one statement on the monitor connection, so a scrape never waits for the pool.
 */

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The key table's name, as the engine's schema declares it. */
const KEY_TABLE = getTableName(schema.idempotencyKeys);

/** Label for a path the router does not have: unknown paths must not grow the label set. */
export const UNKNOWN_PROCEDURE = "unknown";

export interface ServerMetrics {
  registry: Registry;
  /** Counts and times one finished request (every call it carried). */
  observe: (request: ObservedRequest) => void;
  /** Counts expired keys the sweeper deleted. */
  swept: (deleted: number) => void;
}

export interface MetricsOptions {
  /** The process's own connection for probes and scrapes (monitor.ts). */
  monitor: Monitor;
  /** The API pool's application_name, to count its connections in pg_stat_activity. */
  poolApplicationName: string;
  poolSize: number;
}

export function createMetrics({ monitor, poolApplicationName, poolSize }: MetricsOptions): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: "oncely_requests_total",
    help: "Procedure calls by outcome: executed, replayed, in_progress (409), key_reused (422), invalid_key (400), business_error (stored), rejected (other 4xx), failed (5xx)",
    labelNames: ["procedure", "outcome"],
    registers: [registry],
  });
  const requestSeconds = new Histogram({
    name: "oncely_request_duration_seconds",
    help: "End to end: from a request's arrival to the last byte of its answer",
    labelNames: ["procedure", "outcome"],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const handlerSeconds = new Histogram({
    name: "oncely_handler_duration_seconds",
    help: "An idempotent procedure's handler, from its key's claim to the handler's return (inside the transaction)",
    labelNames: ["procedure"],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const sweptKeys = new Counter({
    name: "oncely_sweeper_deleted_keys_total",
    help: "Expired idempotency keys deleted by this process's sweeper",
    registers: [registry],
  });
  new Gauge({
    name: "oncely_db_pool_max",
    help: "Connections the API pool may open",
    registers: [registry],
  }).set(poolSize);

  // Database-side figures: one statement per scrape, shared by the gauges below (the registry
  // collects all metrics at once, so the first gauge to ask starts it and the rest wait for it).
  let sampling: Promise<DatabaseSample | null> | null = null;
  const sample = () => {
    sampling ??= readDatabaseSample(monitor, poolApplicationName).finally(() => {
      sampling = null;
    });
    return sampling;
  };
  const databaseGauge = (name: string, help: string, read: (row: DatabaseSample) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const row = await sample();
        if (row) this.set(read(row));
      },
    });

  new Gauge({
    name: "oncely_database_up",
    help: "1 if this scrape's database statement succeeded, 0 if the database did not answer",
    registers: [registry],
    async collect() {
      this.set((await sample()) ? 1 : 0);
    },
  });
  databaseGauge(
    "oncely_db_lock_waits",
    "Sessions of this database waiting for a lock now (e.g. a duplicate waiting for its key's first request)",
    (row) => row.lock_waits,
  );
  databaseGauge(
    "oncely_idempotency_keys_rows",
    `Rows in ${KEY_TABLE} (PostgreSQL's live-row estimate: no table scan)`,
    (row) => row.key_rows,
  );
  databaseGauge("oncely_outbox_backlog", "Outbox messages not delivered yet", (row) => row.outbox_backlog);
  databaseGauge(
    "oncely_outbox_delivery_lag_seconds",
    "Age of the oldest undelivered outbox message (0 when none waits)",
    (row) => row.outbox_lag,
  );
  new Gauge({
    name: "oncely_db_pool_connections",
    help: "This process's API pool connections by state: in_use (running a statement or in a transaction) or idle",
    labelNames: ["state"],
    registers: [registry],
    async collect() {
      const row = await sample();
      if (!row) return;
      this.set({ state: "in_use" }, row.pool_in_use);
      this.set({ state: "idle" }, row.pool_idle);
    },
  });

  return {
    registry,
    observe: (request) => {
      for (const call of request.calls) {
        const procedure = call.known ? call.path : UNKNOWN_PROCEDURE;
        const labels = { procedure, outcome: call.outcome };
        requests.inc(labels);
        requestSeconds.observe(labels, request.durationMs / 1000);
        if (request.handlerMs !== null) handlerSeconds.observe({ procedure }, request.handlerMs / 1000);
      }
    },
    swept: (deleted) => sweptKeys.inc(deleted),
  };
}

interface DatabaseSample {
  lock_waits: number;
  key_rows: number;
  outbox_backlog: number;
  outbox_lag: number;
  pool_in_use: number;
  pool_idle: number;
}

/** One statement for every database-side figure; null when the database does not answer. */
async function readDatabaseSample(monitor: Monitor, poolApplicationName: string): Promise<DatabaseSample | null> {
  try {
    const [row] = await monitor.query<DatabaseSample[]>`
      SELECT
        (SELECT count(*)::int FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock') AS lock_waits,
        (SELECT coalesce(sum(n_live_tup), 0)::float8 FROM pg_stat_user_tables
          WHERE relname = ${KEY_TABLE} AND schemaname = current_schema()) AS key_rows,
        (SELECT count(*)::int FROM outbox_messages WHERE delivered_at IS NULL) AS outbox_backlog,
        (SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8
          FROM outbox_messages WHERE delivered_at IS NULL) AS outbox_lag,
        (SELECT count(*)::int FROM pg_stat_activity
          WHERE application_name = ${poolApplicationName} AND state <> 'idle') AS pool_in_use,
        (SELECT count(*)::int FROM pg_stat_activity
          WHERE application_name = ${poolApplicationName} AND state = 'idle') AS pool_idle`;
    return row ?? null;
  } catch {
    // The database is away: the scrape still answers, with the request metrics.
    return null;
  }
}
