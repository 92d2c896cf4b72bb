// `pnpm bench` (scale part): create and replay latency as the key table grows (10k, 1M, 10M
// rows, bulk-filled with generate_series), a duplicate storm (200 concurrent requests, one
// key), and the sweeper deleting 1M expired keys while traffic runs. Writes
// bench/results/key-table.json.
import { randomUUID } from "node:crypto";
import { sweepExpiredKeys } from "@oncely/idempotency";
import { startBenchEnvironment } from "./environment";
import { loadWithKeys, timedCall } from "./load";
import { orderRequest } from "./orderRequests";
import { describeRun, parseBenchOptions, writeResult } from "./results";
import type { KeyTableResult } from "./resultTypes";
import { median } from "./stats";

const { options, line } = parseBenchOptions({
  sizes: "10000,1000000,10000000",
  samples: "300",
  storm: "200",
  "sweep-rows": "1000000",
  "traffic-seconds": "8",
});
const sizes = options.sizes.split(",").map(Number);
const samples = Number(options.samples);
const stormSize = Number(options.storm);
const sweepRows = Number(options["sweep-rows"]);
const trafficSeconds = Number(options["traffic-seconds"]);
const TRAFFIC_CONNECTIONS = 16;
const SWEEP_BATCH = 1000;

// Commits without waiting for the WAL flush: this part measures table and index effects,
// which fsync latency would drown.
const env = await startBenchEnvironment({ synchronous_commit: "off", maintenance_work_mem: "256MB" });
const { sql } = env.db;
const { body } = orderRequest(env);
const url = `${env.base}/idempotent`;
try {
  // Warm up JIT, pools and caches first, so the first size is not measured cold.
  for (let i = 0; i < 200; i++) await timedCall(url, randomUUID(), body);

  // 1. Latency by key-table size.
  const bySize: KeyTableResult["bySize"] = [];
  for (const rows of sizes) {
    const t0 = performance.now();
    await fillKeyTable(rows);
    const fillSeconds = (performance.now() - t0) / 1000;
    const keys = Array.from({ length: samples }, () => randomUUID());
    const create: number[] = [];
    for (const key of keys) create.push((await timedCall(url, key, body)).ms);
    const replay: number[] = [];
    for (const key of keys) replay.push((await timedCall(url, key, body)).ms);
    bySize.push({ rows, fillSeconds, create: median(create), replay: median(replay) });
    process.stderr.write(`${rows} rows: ${JSON.stringify(bySize.at(-1))}\n`);
  }

  // 2. Duplicate storm: many concurrent requests with one key.
  const stormKey = randomUUID();
  const [before] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM orders`;
  const t0 = performance.now();
  const storm = await Promise.all(Array.from({ length: stormSize }, () => timedCall(url, stormKey, body)));
  const stormMs = performance.now() - t0;
  const [after] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM orders`;
  const executions = (after?.n ?? 0) - (before?.n ?? 0);
  const byStatus = new Map<number, number>();
  for (const { status } of storm) byStatus.set(status, (byStatus.get(status) ?? 0) + 1);

  // 3. The sweeper deleting expired keys while traffic runs.
  await sql`
    INSERT INTO oncely_idempotency_keys (principal_id, key, request_path, fingerprint, status, response_status,
                                  response_body, created_at, expires_at)
    SELECT ${env.principalId}, 'expired-' || g, 'idempotent', repeat('0', 64), 'completed', 200, '{}',
           now() - interval '2 days', now() - interval '1 day'
    FROM generate_series(1, ${sweepRows}) AS g`;
  await sql`VACUUM ANALYZE oncely_idempotency_keys`;
  const quiet = await loadWithKeys({ url, body, connections: TRAFFIC_CONNECTIONS, seconds: trafficSeconds });
  let sweptRows = 0;
  let sweepSeconds = 0;
  const sweeping = (async () => {
    const s0 = performance.now();
    sweptRows = await sweepExpiredKeys(env.db.db, { batchSize: SWEEP_BATCH });
    sweepSeconds = (performance.now() - s0) / 1000;
  })();
  const during = await loadWithKeys({ url, body, connections: TRAFFIC_CONNECTIONS, seconds: trafficSeconds });
  await sweeping;

  const traffic = (result: typeof quiet) => ({
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
  });
  const result: KeyTableResult = {
    options,
    bySize,
    storm: { requests: stormSize, executions, statuses: Object.fromEntries(byStatus), ms: stormMs },
    sweep: { rows: sweptRows, batchSize: SWEEP_BATCH, seconds: sweepSeconds },
    traffic: { connections: TRAFFIC_CONNECTIONS, before: traffic(quiet), during: traffic(during) },
  };
  writeResult("key-table", describeRun(line, env.postgresVersion), result);
  if (executions !== 1) throw new Error(`duplicate storm executed ${executions} times`);
} finally {
  await env.stop();
}

/** Tops the key table up to `rows` completed, unexpired keys (other principals' traffic). */
async function fillKeyTable(rows: number) {
  const [current] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM oncely_idempotency_keys`;
  const from = (current?.n ?? 0) + 1;
  if (from > rows) return;
  // In chunks, so one statement's WAL and memory stay bounded.
  for (let start = from; start <= rows; start += 1_000_000) {
    const end = Math.min(rows, start + 999_999);
    await sql`
      INSERT INTO oncely_idempotency_keys (principal_id, key, request_path, fingerprint, status, response_status,
                                    response_body, created_at, expires_at)
      SELECT ${env.principalId}, 'fill-' || g, 'idempotent', md5(g::text) || md5(g::text), 'completed', 200,
             '{"id":"' || g || '"}', now(), now() + interval '1 day'
      FROM generate_series(${start}::int, ${end}::int) AS g`;
  }
  await sql`VACUUM ANALYZE oncely_idempotency_keys`;
}
