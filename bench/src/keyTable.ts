// `pnpm bench` (scale part): create and replay latency as the key table grows (10k, 1M, 10M
// rows, bulk-filled with generate_series), a duplicate storm (200 concurrent requests, one
// key), and the sweeper deleting 1M expired keys while traffic runs.
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { sweepExpiredKeys } from "@oncely/idempotency";
import { startBenchEnvironment } from "./environment";
import { loadWithNewKeys, timedCall } from "./load";
import { describeMachine, median } from "./machine";
import { type KeyTableResult, writeResult, writeSection } from "./results";

const { values: args } = parseArgs({
  options: {
    sizes: { type: "string", default: "10000,1000000,10000000" },
    samples: { type: "string", default: "300" },
    storm: { type: "string", default: "200" },
    "sweep-rows": { type: "string", default: "1000000" },
    "traffic-seconds": { type: "string", default: "8" },
  },
});
const sizes = args.sizes.split(",").map(Number);
const samples = Number(args.samples);
const stormSize = Number(args.storm);
const sweepRows = Number(args["sweep-rows"]);
const trafficSeconds = Number(args["traffic-seconds"]);

// Commits without waiting for the WAL flush: this part measures table and index effects,
// which fsync latency would drown.
const env = await startBenchEnvironment({ synchronous_commit: "off", maintenance_work_mem: "256MB" });
const { sql } = env.db;
const body = JSON.stringify({ accountId: env.accountId, amount: 1999, currency: "USD" });
const url = `${env.base}/idempotent`;
const fmt = (n: number, digits = 2) => n.toFixed(digits);
try {
  // Warm up JIT, pools and caches first, so the first size is not measured cold.
  for (let i = 0; i < 200; i++) await timedCall(url, randomUUID(), body);

  // 1. Latency by key-table size.
  const bySize: { rows: number; fillSeconds: number; create: number; replay: number }[] = [];
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
  const statuses = [...byStatus].map(([status, n]) => `${n} × ${status}`).join(", ");

  // 3. The sweeper deleting expired keys while traffic runs.
  await sql`
    INSERT INTO oncely_idempotency_keys (principal_id, key, request_path, fingerprint, status, response_status,
                                  response_body, created_at, expires_at)
    SELECT ${env.principalId}, 'expired-' || g, 'idempotent', repeat('0', 64), 'completed', 200, '{}',
           now() - interval '2 days', now() - interval '1 day'
    FROM generate_series(1, ${sweepRows}) AS g`;
  await sql`VACUUM ANALYZE oncely_idempotency_keys`;
  const quiet = await loadWithNewKeys({ url, body, connections: 16, seconds: trafficSeconds });
  let sweptRows = 0;
  let sweepSeconds = 0;
  const sweeping = (async () => {
    const s0 = performance.now();
    sweptRows = await sweepExpiredKeys(env.db.db, { batchSize: 1000 });
    sweepSeconds = (performance.now() - s0) / 1000;
  })();
  const during = await loadWithNewKeys({ url, body, connections: 16, seconds: trafficSeconds });
  await sweeping;

  const markdown = `
## Key table at scale, duplicate storm, sweeper under traffic

Command: \`pnpm bench\` (\`bench/src/keyTable.ts --sizes ${args.sizes} --samples ${samples}\`)
Date: ${new Date().toISOString().slice(0, 10)}. Machine: ${describeMachine(env.postgresVersion)}.
PostgreSQL embedded, synchronous_commit off (this part is about table and index size, not fsync).
Latencies are one request at a time over HTTP to the bench server's idempotent \`orders.create\`.

| rows in oncely_idempotency_keys | fill time | new key p50 | replay p50 |
| --- | --- | --- | --- |
${bySize.map((s) => `| ${s.rows.toLocaleString("en-US")} | ${fmt(s.fillSeconds, 1)} s | ${fmt(s.create)} ms | ${fmt(s.replay)} ms |`).join("\n")}

**Duplicate storm**: ${stormSize} concurrent requests with one key → **${executions} execution${executions === 1 ? "" : "s"}** (orders rows added), answers: ${statuses}; all answered in ${fmt(stormMs, 0)} ms.

**Sweeper under traffic**: ${sweptRows.toLocaleString("en-US")} expired keys deleted in batches of 1,000 in ${fmt(sweepSeconds, 1)} s while 16 connections created orders.

| traffic (16 connections, ${trafficSeconds} s) | req/s | p50 | p99 |
| --- | --- | --- | --- |
| before the sweep | ${fmt(quiet.requests.average, 0)} | ${quiet.latency.p50} ms | ${quiet.latency.p99} ms |
| during the sweep | ${fmt(during.requests.average, 0)} | ${during.latency.p50} ms | ${during.latency.p99} ms |
`;
  process.stdout.write(markdown);
  writeSection("key-table", markdown);
  writeResult("key-table", { bySize } satisfies KeyTableResult);
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
