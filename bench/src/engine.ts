// `pnpm bench` (engine part): idempotent vs plain orders.create throughput, replay vs first
// execution latency, and the raw driver transaction rate for the same writes. One run, on
// loopback, bounded in time; ratios are taken within a round so machine noise cancels.
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createDbClient, seedDemo } from "@oncely/db";
import { createDatabaseIfMissing, migrateDatabase, startEmbeddedPostgres } from "@oncely/db/setup";
import autocannon from "autocannon";
import postgres from "postgres";
import { describeMachine, median, percentile } from "./machine";
import { writeSection } from "./results";

const { values: args } = parseArgs({
  options: {
    duration: { type: "string", default: "8" },
    rounds: { type: "string", default: "3" },
    connections: { type: "string", default: "32" },
    samples: { type: "string", default: "300" },
    // "on": durable commits, as deployed. "off": commits skip the WAL flush, so the run is
    // CPU-bound and shows the middleware's own cost at its largest.
    "synchronous-commit": { type: "string", default: "on" },
  },
});
const duration = Number(args.duration);
const rounds = Number(args.rounds);
const connections = Number(args.connections);
const samples = Number(args.samples);
const VARIANTS = ["plain", "idempotent", "idempotentAlwaysFastPath"] as const;
type Variant = (typeof VARIANTS)[number];

const root = await fs.mkdtemp(path.join(os.tmpdir(), "oncely-bench-"));
await fs.chmod(root, 0o755);
const synchronousCommit = args["synchronous-commit"] === "off" ? "off" : "on";
const cluster = await startEmbeddedPostgres({
  dataDir: path.join(root, "pg"),
  settings: { max_connections: 200, synchronous_commit: synchronousCommit },
});
let server: ChildProcess | undefined;
try {
  await createDatabaseIfMissing(cluster.url, "bench");
  const url = cluster.databaseUrl("bench");
  await migrateDatabase(url);
  const setup = createDbClient(url);
  await seedDemo(setup.db);
  const [alice] = await setup.sql<{ principal: string; account: string }[]>`
    SELECT p.id AS principal, a.id AS account FROM principals p JOIN accounts a ON a.principal_id = p.id
    WHERE p.name = 'alice' AND a.kind = 'customer' ORDER BY a.name LIMIT 1`;
  const [{ server_version: version } = { server_version: "?" }] = await setup.sql<
    { server_version: string }[]
  >`SHOW server_version`;
  await setup.close();
  if (!alice) throw new Error("seed failed");
  const body = JSON.stringify({ accountId: alice.account, amount: 1999, currency: "USD" });

  const started = await startServer({ DATABASE_URL: url, BENCH_PRINCIPAL_ID: alice.principal });
  server = started.child;
  const base = `http://127.0.0.1:${started.port}/trpc`;

  const load = (variant: Variant, seconds: number) =>
    autocannon({
      url: `${base}/${variant}`,
      method: "POST",
      connections,
      duration: seconds,
      headers: { "content-type": "application/json" },
      body,
      requests: [
        {
          setupRequest: (req) => ({ ...req, headers: { ...req.headers, "idempotency-key": randomUUID() } }),
        },
      ],
    });

  for (const variant of VARIANTS) await load(variant, 2); // warm up JIT, pools, caches

  const throughput: Record<Variant, number[]> = { plain: [], idempotent: [], idempotentAlwaysFastPath: [] };
  const ratios: Record<Exclude<Variant, "plain">, number[]> = { idempotent: [], idempotentAlwaysFastPath: [] };
  for (let round = 0; round < rounds; round++) {
    const perRound = {} as Record<Variant, number>;
    for (const variant of VARIANTS) {
      const result = await load(variant, duration);
      if (result.non2xx > 0 || result.errors > 0) {
        throw new Error(`${variant}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
      }
      perRound[variant] = result.requests.average;
      throughput[variant].push(result.requests.average);
    }
    ratios.idempotent.push(perRound.idempotent / perRound.plain);
    ratios.idempotentAlwaysFastPath.push(perRound.idempotentAlwaysFastPath / perRound.plain);
    process.stderr.write(`round ${round + 1}: ${JSON.stringify(perRound)}\n`);
  }

  // Latency, one request at a time: first executions with new keys, then replays of them.
  const latency = async (variant: Variant) => {
    const keys = Array.from({ length: samples }, () => randomUUID());
    const time = async (key: string) => {
      const t0 = performance.now();
      const response = await fetch(`${base}/${variant}`, {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": key },
        body,
      });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`${variant}: HTTP ${response.status}`);
      return performance.now() - t0;
    };
    const first: number[] = [];
    for (const key of keys) first.push(await time(key));
    const replay: number[] = [];
    for (const key of keys) replay.push(await time(key));
    return { first: median(first), replay: median(replay), replayP99: percentile(replay, 99) };
  };
  const fastLatency = await latency("idempotent");
  const slowLatency = await latency("idempotentAlwaysFastPath");

  const rawRate = await rawDriverRate(url, alice.principal, alice.account);

  const fmt = (n: number, digits = 0) => n.toFixed(digits);
  const markdown = `
## Idempotency engine, synchronous_commit ${synchronousCommit}

Command: \`pnpm bench\` (\`bench/src/engine.ts --duration ${duration} --rounds ${rounds} --connections ${connections}\`)
Date: ${new Date().toISOString().slice(0, 10)}. Machine: ${describeMachine(`PostgreSQL ${version}`)}.
Server: one Node process, pool of 10; PostgreSQL embedded, fsync on, **synchronous_commit ${synchronousCommit}**;
load from autocannon in a third process, ${connections} connections, on loopback.
Every request carries a new Idempotency-Key. Ratios are computed within each round, then the median is taken.

| variant | req/s per round | median ratio to plain |
| --- | --- | --- |
| plain (same handler in a transaction, no middleware) | ${throughput.plain.map((n) => fmt(n)).join(", ")} | 1.00 |
| idempotent (default: fast path only for keys seen before) | ${throughput.idempotent.map((n) => fmt(n)).join(", ")} | **${fmt(median(ratios.idempotent), 2)}** |
| idempotent, fast path for every key | ${throughput.idempotentAlwaysFastPath.map((n) => fmt(n)).join(", ")} | ${fmt(median(ratios.idempotentAlwaysFastPath), 2)} |
| raw driver (postgres.js, BEGIN + SELECT + INSERT + COMMIT, ${connections} workers, pool 10) | ${fmt(rawRate)} tx/s | ${fmt(rawRate / median(throughput.plain), 2)} (the limit) |

| latency, one request at a time (${samples} samples) | first execution p50 | replay p50 | replay / first |
| --- | --- | --- | --- |
| default | ${fmt(fastLatency.first, 2)} ms | ${fmt(fastLatency.replay, 2)} ms | **${fmt(fastLatency.replay / fastLatency.first, 2)}** |
| fast path for every key | ${fmt(slowLatency.first, 2)} ms | ${fmt(slowLatency.replay, 2)} ms | ${fmt(slowLatency.replay / slowLatency.first, 2)} |
`;
  process.stdout.write(markdown);
  writeSection(`engine-sync-${synchronousCommit}`, markdown);
} finally {
  server?.kill("SIGTERM");
  await cluster.stop();
  await fs.rm(root, { recursive: true, force: true });
}

async function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "benchServer.ts")], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk) => {
      out += chunk;
      const match = /listening (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once("exit", (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return { child, port };
}

/** The same writes straight through the driver: how fast PostgreSQL and postgres.js can go. */
async function rawDriverRate(url: string, principalId: string, accountId: string): Promise<number> {
  const sql = postgres(url, { max: 10 });
  let done = 0;
  const until = performance.now() + duration * 1000;
  const worker = async () => {
    while (performance.now() < until) {
      await sql.begin(async (tx) => {
        await tx`SELECT currency FROM accounts WHERE id = ${accountId} AND principal_id = ${principalId}`;
        await tx`INSERT INTO orders (principal_id, account_id, amount, currency) VALUES (${principalId}, ${accountId}, 1999, 'USD') RETURNING *`;
      });
      done++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: connections }, worker));
  const rate = done / ((performance.now() - t0) / 1000);
  await sql.end();
  return rate;
}
