// `pnpm bench` (engine part): the idempotent order and transfer against the same handlers
// plain and with only the floor of any key store (the key row with its answer at COMMIT),
// replay vs first execution latency, and the raw driver transaction rate. One run, on
// loopback, bounded in time; ratios are taken within a round so machine noise cancels.
// Writes bench/results/engine-sync-{on,off}.json.
import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { BENCH_SERVER_POOL_SIZE as POOL_SIZE, startBenchEnvironment } from "./environment";
import { loadWithKeys, measureRounds, timedCall } from "./load";
import { orderRequest } from "./orderRequests";
import { describeRun, parseBenchOptions, writeResult } from "./results";
import { ENGINE_VARIANTS, type EngineResult, type EngineVariant, type LatencyPairs } from "./resultTypes";
import { median, percentile } from "./stats";

const { options, line } = parseBenchOptions({
  duration: "5",
  rounds: "5",
  connections: "32",
  samples: "300",
  // "on": durable commits, as deployed. "off": commits skip the WAL flush, so the run is
  // CPU-bound and shows the middleware's own cost at its largest.
  "synchronous-commit": "on",
});
const duration = Number(options.duration);
const connections = Number(options.connections);
const samples = Number(options.samples);
const synchronousCommit = options["synchronous-commit"] === "off" ? "off" : "on";
const NAMES = Object.keys(ENGINE_VARIANTS) as EngineVariant[];

const env = await startBenchEnvironment({ synchronous_commit: synchronousCommit });
try {
  const orderBody = orderRequest(env).body;
  const accounts = env.transferAccountIds;
  const pick = () => accounts[Math.floor(Math.random() * accounts.length)] as string;
  const transferBody = () => {
    const fromAccountId = pick();
    let toAccountId = pick();
    while (toAccountId === fromAccountId) toAccountId = pick();
    return JSON.stringify({ fromAccountId, toAccountId, amount: 1999, currency: "USD" });
  };
  const load = (variant: EngineVariant, seconds: number) =>
    loadWithKeys({
      url: `${env.base}/${variant}`,
      body: variant.startsWith("transfer") ? transferBody : orderBody,
      connections,
      seconds,
    });

  for (const variant of NAMES) await load(variant, 2); // warm up JIT, pools, caches

  const measured = await measureRounds({
    variants: NAMES,
    rounds: Number(options.rounds),
    cpuMs: env.cpuMs,
    load: (variant) => load(variant, duration),
    onRound: (round, thisRound) => {
      const rates = Object.fromEntries(NAMES.map((v) => [v, Math.round(thisRound[v].requestsPerSecond)]));
      process.stderr.write(`round ${round + 1}: ${JSON.stringify(rates)}\n`);
    },
  });

  // Latency, one request at a time: each new key's first execution, then at once its replay (a
  // retry), pair after pair, so both meet the same moments of a noisy machine.
  const latency = async (variant: EngineVariant | "idempotentAlwaysFastPath"): Promise<LatencyPairs> => {
    const time = async (key: string) => {
      const { ms, status } = await timedCall(`${env.base}/${variant}`, key, orderBody);
      if (status !== 200) throw new Error(`${variant}: HTTP ${status}`);
      return ms;
    };
    const first: number[] = [];
    const replay: number[] = [];
    for (let i = 0; i < samples; i++) {
      const key = randomUUID();
      first.push(await time(key));
      replay.push(await time(key));
    }
    return { pairs: samples, firstP50: median(first), replayP50: median(replay), replayP99: percentile(replay, 99) };
  };

  const result: EngineResult = {
    options,
    transferAccounts: accounts.length,
    poolSize: POOL_SIZE,
    samples: measured,
    latency: { default: await latency("idempotent"), alwaysFastPath: await latency("idempotentAlwaysFastPath") },
    rawDriverTransactionsPerSecond: await rawDriverRate(env.url, env.principalId, env.accountId),
  };
  writeResult(`engine-sync-${synchronousCommit}`, describeRun(line, env.postgresVersion), result);
} finally {
  await env.stop();
}

/** The same writes straight through the driver: how fast PostgreSQL and postgres.js can go. */
async function rawDriverRate(url: string, principalId: string, accountId: string): Promise<number> {
  const sql = postgres(url, { max: POOL_SIZE });
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
