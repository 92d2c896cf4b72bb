// `pnpm bench` (hand-rolled part): Oncely as users run it (apps/server's `orders.create`, with
// its API-key auth, engine, outbox worker and sweeper; chaos off) against what a team writes
// without Oncely (src/handRolled/: tRPC standalone, postgres.js tagged templates, a 40-line key
// middleware) doing the same business work on the same database, for new keys and for
// replays, with synchronous_commit off (CPU-bound) and on (durable). Both servers run side by
// side; each round loads every variant in turn (reversed every other round), and ratios are
// taken within a round; apps/server's outbox worker is waited for after each load and counted
// with it. Then, one request at a time, where each side's cost goes (breakdown.ts). Writes
// bench/results/hand-rolled-sync-{off,on}.json and bench/results/hand-rolled-breakdown.json.
import { randomUUID } from "node:crypto";
import {
  BREAKDOWN_SETTINGS,
  type BreakdownRequest,
  breakDownRequests,
  expectOk,
  setBreakdownMode,
  setSystem,
} from "./breakdown";
import { waitForOutbox, writeCounters } from "./databaseCounters";
import { startBenchDatabase } from "./environment";
import { loadWithKeys, measureRounds } from "./load";
import { describeRun, parseBenchOptions, writeResult } from "./results";
import {
  type BreakdownResult,
  HAND_ROLLED_VARIANTS,
  type HandRolledResult,
  type HandRolledVariant,
  type Side,
} from "./resultTypes";
import { type ApiServer, startApiServer, startHandRolledServer } from "./servers";

const { options, line } = parseBenchOptions({
  duration: "5",
  rounds: "5",
  connections: "32",
  "synchronous-commit": "off,on",
  "replay-keys": "2000",
  "breakdown-requests": "200",
});
const POOL_SIZE = 10; // apps/server's default
const NAMES = Object.keys(HAND_ROLLED_VARIANTS) as HandRolledVariant[];
const regimes = options["synchronous-commit"].split(",").map((r) => (r.trim() === "off" ? "off" : "on"));
const breakdownRequests = Number(options["breakdown-requests"]);
const sideOf = (variant: HandRolledVariant): Side => (variant.startsWith("oncely") ? "oncely" : "handRolled");
const startServer = (side: Side, databaseUrl: string) =>
  (side === "oncely" ? startApiServer : startHandRolledServer)({ databaseUrl, poolSize: POOL_SIZE });

// synchronous_commit is set per regime with ALTER SYSTEM (setSystem), not at the start.
const db = await startBenchDatabase(BREAKDOWN_SETTINGS);
try {
  await setBreakdownMode(db, false);
  const request = {
    path: "orders.create",
    body: JSON.stringify({ accountId: db.accountId, amount: 1999, currency: "USD" }),
    headers: { authorization: `Bearer ${db.apiKey}` },
  };
  const servers = { oncely: await startServer("oncely", db.url), handRolled: await startServer("handRolled", db.url) };
  try {
    // Keys to replay, made by the server that replays them (apps/server answers keys it has seen
    // with one read outside any transaction; keys it never saw take the claim's path).
    const usedKeys = {
      oncely: await makeKeys(servers.oncely, Number(options["replay-keys"]), request),
      handRolled: await makeKeys(servers.handRolled, Number(options["replay-keys"]), request),
    };
    const pickFrom = (keys: string[]) => () => keys[Math.floor(Math.random() * keys.length)] as string;
    const load = (variant: HandRolledVariant, seconds: number) =>
      loadWithKeys({
        url: `${servers[sideOf(variant)].base}/${request.path}`,
        body: request.body,
        headers: request.headers,
        connections: Number(options.connections),
        seconds,
        ...(variant.endsWith("Replay") ? { key: pickFrom(usedKeys[sideOf(variant)]) } : {}),
      });

    for (const regime of regimes) {
      await setSystem(db, { synchronous_commit: regime });
      for (const variant of NAMES) await load(variant, 2); // warm up JIT, pools, caches
      await waitForOutbox(db.db.sql); // the warm-up's confirmations are not the first round's
      const samples = await measureRounds({
        variants: NAMES,
        rounds: Number(options.rounds),
        cpuMs: (variant) => ({ server: servers[sideOf(variant)].cpuMs(), postgres: db.postgresCpuMs() }),
        load: (variant) => load(variant, Number(options.duration)),
        database: { counters: () => writeCounters(db.db.sql), settle: () => waitForOutbox(db.db.sql) },
        onRound: (round, thisRound) => {
          const rates = Object.fromEntries(NAMES.map((v) => [v, Math.round(thisRound[v].requestsPerSecond)]));
          process.stderr.write(`synchronous_commit ${regime}, round ${round + 1}: ${JSON.stringify(rates)}\n`);
        },
      });
      const result: HandRolledResult = { options, synchronousCommit: regime, poolSize: POOL_SIZE, samples };
      writeResult(`hand-rolled-sync-${regime}`, describeRun(line, db.postgresVersion), result);
    }
  } finally {
    await Promise.all([servers.oncely.stop(), servers.handRolled.stop()]);
  }

  if (breakdownRequests > 0) {
    await setBreakdownMode(db, true);
    const breakDown = (side: Side) =>
      breakDownRequests({
        database: db,
        start: (databaseUrl) => startServer(side, databaseUrl),
        request,
        requests: breakdownRequests,
      });
    const result: BreakdownResult = {
      requests: breakdownRequests,
      perRequest: { oncely: await breakDown("oncely"), handRolled: await breakDown("handRolled") },
    };
    writeResult("hand-rolled-breakdown", describeRun(line, db.postgresVersion), result);
  }
} finally {
  await db.stop();
}

/** Creates `count` orders with new keys, 16 at a time; returns the keys. */
async function makeKeys(server: ApiServer, count: number, request: BreakdownRequest): Promise<string[]> {
  const keys = Array.from({ length: count }, () => randomUUID());
  const url = `${server.base}/${request.path}`;
  for (let i = 0; i < keys.length; i += 16) {
    await Promise.all(keys.slice(i, i + 16).map((key) => expectOk(url, key, request)));
  }
  return keys;
}
