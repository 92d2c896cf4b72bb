// `pnpm bench` (engine part): idempotent vs plain throughput for an order and for a ledger
// transfer, replay vs first execution latency, and the raw driver transaction rate. One run, on
// loopback, bounded in time; ratios are taken within a round so machine noise cancels.
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import postgres from "postgres";
import { startBenchEnvironment } from "./environment";
import { loadWithNewKeys, measureRounds, type RoundSample, timedCall } from "./load";
import { describeMachine, median, percentile } from "./machine";
import { type EngineResult, writeResult, writeSection } from "./results";

const { values: args } = parseArgs({
  options: {
    duration: { type: "string", default: "5" },
    rounds: { type: "string", default: "5" },
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
const synchronousCommit = args["synchronous-commit"] === "off" ? "off" : "on";

// Each measured variant and the plain one it is compared with (the same handler, no middleware).
const VARIANTS = {
  plain: { baseline: "plain", label: "orders: plain (the handler in `db.transaction`, no middleware)" },
  idempotent: { baseline: "plain", label: "orders: **idempotent** (default: fast path only for keys seen before)" },
  idempotentAlwaysFastPath: { baseline: "plain", label: "orders: idempotent, fast path for every key" },
  transferPlain: { baseline: "transferPlain", label: "transfers: plain (no middleware)" },
  transferIdempotent: { baseline: "transferPlain", label: "transfers: **idempotent**" },
} as const;
type Variant = keyof typeof VARIANTS;
const NAMES = Object.keys(VARIANTS) as Variant[];

const env = await startBenchEnvironment({ synchronous_commit: synchronousCommit });
try {
  const orderBody = JSON.stringify({ accountId: env.accountId, amount: 1999, currency: "USD" });
  const accounts = env.transferAccountIds;
  const pick = () => accounts[Math.floor(Math.random() * accounts.length)] as string;
  const transferBody = () => {
    const fromAccountId = pick();
    let toAccountId = pick();
    while (toAccountId === fromAccountId) toAccountId = pick();
    return JSON.stringify({ fromAccountId, toAccountId, amount: 1999, currency: "USD" });
  };
  const load = (variant: Variant, seconds: number) =>
    loadWithNewKeys({
      url: `${env.base}/${variant}`,
      body: variant.startsWith("transfer") ? transferBody : orderBody,
      connections,
      seconds,
    });

  for (const variant of NAMES) await load(variant, 2); // warm up JIT, pools, caches

  const measured = await measureRounds({
    variants: NAMES,
    rounds,
    cpuMs: env.cpuMs,
    load: (variant) => load(variant, duration),
    onRound: (round, thisRound) => {
      const rates = Object.fromEntries(NAMES.map((v) => [v, Math.round(thisRound[v].requestsPerSecond)]));
      process.stderr.write(`round ${round + 1}: ${JSON.stringify(rates)}\n`);
    },
  });
  const series = (v: Variant, of: keyof RoundSample) => measured[v].map((sample) => sample[of]);
  // req/s over the baseline's in the same round, median over rounds
  const ratio = (v: Variant) =>
    median(
      measured[v].map((s, i) => s.requestsPerSecond / (measured[VARIANTS[v].baseline][i]?.requestsPerSecond ?? 0)),
    );
  // CPU (server + PostgreSQL) per answered request: steadier than req/s on a shared machine.
  const cpuPerRequest = (v: Variant) => median(series(v, "cpuPerRequest"));
  const cpuRatio = (v: Variant) => cpuPerRequest(VARIANTS[v].baseline) / cpuPerRequest(v);

  // Latency, one request at a time: each new key's first execution, then at once its replay (a
  // retry), pair after pair, so both meet the same moments of a noisy machine.
  const latency = async (variant: Variant) => {
    const keys = Array.from({ length: samples }, () => randomUUID());
    const time = async (key: string) => {
      const { ms, status } = await timedCall(`${env.base}/${variant}`, key, orderBody);
      if (status !== 200) throw new Error(`${variant}: HTTP ${status}`);
      return ms;
    };
    const first: number[] = [];
    const replay: number[] = [];
    for (const key of keys) {
      first.push(await time(key));
      replay.push(await time(key));
    }
    return { first: median(first), replay: median(replay), replayP99: percentile(replay, 99) };
  };
  const defaultLatency = await latency("idempotent");
  const alwaysLatency = await latency("idempotentAlwaysFastPath");

  const rawRate = await rawDriverRate(env.url, env.principalId, env.accountId);

  const fmt = (n: number, digits = 0) => n.toFixed(digits);
  const markdown = `
## Idempotency engine, synchronous_commit ${synchronousCommit}

Command: \`pnpm bench\` (\`bench/src/engine.ts --duration ${duration} --rounds ${rounds} --connections ${connections} --synchronous-commit ${synchronousCommit}\`)
Date: ${new Date().toISOString().slice(0, 10)}. Machine: ${describeMachine(env.postgresVersion)}.
Server: one Node process, pool of 10; PostgreSQL embedded, fsync on, **synchronous_commit ${synchronousCommit}**;
load from autocannon in the bench process, ${connections} connections, on loopback, all on the same 2 cores.
Every request carries a new Idempotency-Key. Each round runs every variant for ${duration} s (in reverse
order every other round); ratios are computed within each round, then the median over rounds is taken.
Orders: one read and one insert (the lightest mutation: the middleware's fixed cost shows most).
Transfers: @oncely/api's transfer work (account read, row locks, two ledger entries, two balances,
the transfer row) between random pairs of ${env.transferAccountIds.length} accounts.

| variant | req/s per round | median ratio to its plain |
| --- | --- | --- |
${NAMES.map(
  (v) =>
    `| ${VARIANTS[v].label} | ${series(v, "requestsPerSecond")
      .map((n) => fmt(n))
      .join(", ")} | ${VARIANTS[v].baseline === v ? "1.00" : `**${fmt(ratio(v), 2)}**`} |`,
).join("\n")}
| raw driver (postgres.js, BEGIN + SELECT + INSERT + COMMIT, ${connections} workers, pool 10) | ${fmt(rawRate)} tx/s | ${fmt(rawRate / median(series("plain", "requestsPerSecond")), 2)} × orders plain (the limit) |

CPU time per answered request (bench server + every PostgreSQL process, median over rounds):
less sensitive than req/s to other work on the machine; "plain / variant" estimates the
throughput ratio when CPU is the limit.

| variant | CPU per request | of which Node server | of which PostgreSQL | plain / variant |
| --- | --- | --- | --- | --- |
${NAMES.map((v) => {
  const all = cpuPerRequest(v);
  const node = median(series(v, "serverCpuPerRequest"));
  return `| ${v} | ${fmt(all, 3)} ms | ${fmt(node, 3)} ms | ${fmt(all - node, 3)} ms | ${fmt(cpuRatio(v), 2)} |`;
}).join("\n")}

Latency: one request at a time; each new key's first execution is followed at once by its replay
(a retry), pair after pair, so both meet the same moments of the machine.

| latency, orders, one request at a time (${samples} pairs) | first execution p50 | replay p50 | replay / first |
| --- | --- | --- | --- |
| default | ${fmt(defaultLatency.first, 2)} ms | ${fmt(defaultLatency.replay, 2)} ms | **${fmt(defaultLatency.replay / defaultLatency.first, 2)}** |
| fast path for every key | ${fmt(alwaysLatency.first, 2)} ms | ${fmt(alwaysLatency.replay, 2)} ms | ${fmt(alwaysLatency.replay / alwaysLatency.first, 2)} |
`;
  process.stdout.write(markdown);
  writeSection(`engine-sync-${synchronousCommit}`, markdown);
  writeResult(`engine-sync-${synchronousCommit}`, {
    throughputRatio: ratio("idempotent"),
    cpuRatio: cpuRatio("idempotent"),
    alwaysFastPathRatio: ratio("idempotentAlwaysFastPath"),
    transferThroughputRatio: ratio("transferIdempotent"),
    transferCpuRatio: cpuRatio("transferIdempotent"),
    replayOverFirst: defaultLatency.replay / defaultLatency.first,
    rawOverPlain: rawRate / median(series("plain", "requestsPerSecond")),
  } satisfies EngineResult);
} finally {
  await env.stop();
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
