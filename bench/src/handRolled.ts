// `pnpm bench` (hand-rolled part): Oncely as users run it (apps/server's `orders.create`, with
// its API-key auth, engine, outbox worker and sweeper; chaos off) against what a team writes
// without Oncely (src/handRolled/: tRPC standalone, postgres.js tagged templates, a 40-line key
// middleware) doing the same business work on the same database, for new keys and for
// replays, with synchronous_commit off (CPU-bound) and on (durable). Both servers run side by
// side; each round loads every variant in turn (reversed every other round), and ratios are
// taken within a round; apps/server's outbox worker is waited for after each load and counted
// with it. For equal work, a third server: apps/server without its in-process outbox worker (as
// when another process delivers), new keys, on a database of its own on the same cluster, so
// the first one's worker never delivers its rows either. Then, one request at a time, where each
// side's cost goes (breakdown.ts). Writes bench/results/hand-rolled-sync-{off,on}.json and
// bench/results/hand-rolled-breakdown.json.
import { BREAKDOWN_SETTINGS, breakDownRequests, setBreakdownMode } from "./breakdown";
import { waitForOutbox, writeCounters } from "./databaseCounters";
import { setSystem, startBenchDatabase } from "./environment";
import { measureRounds } from "./load";
import { loadOrders, makeKeys, type OrderRequest, orderRequest } from "./orderRequests";
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
/** The servers the rounds load: apps/server as deployed, apps/server without its outbox worker, the hand-rolled one. */
type ServerName = Side | "oncelyWorkerElsewhere";
const SERVER_OF: Record<HandRolledVariant, ServerName> = {
  oncelyNew: "oncely",
  handRolledNew: "handRolled",
  oncelyNewWorkerElsewhere: "oncelyWorkerElsewhere",
  oncelyReplay: "oncely",
  handRolledReplay: "handRolled",
};
const startServer = (name: ServerName, databaseUrl: string) =>
  name === "handRolled"
    ? startHandRolledServer({ databaseUrl, poolSize: POOL_SIZE })
    : startApiServer({ databaseUrl, poolSize: POOL_SIZE, outboxWorker: name === "oncely" });

// synchronous_commit is set per regime with ALTER SYSTEM (setSystem), not at the start.
const db = await startBenchDatabase(BREAKDOWN_SETTINGS);
try {
  await setBreakdownMode(db, false);
  const request = orderRequest(db);
  // Its own database: with apps/server's tables shared, the first server's worker would deliver its outbox.
  const elsewhere = await db.addDatabase("bench_worker_elsewhere");
  const requests: Record<ServerName, OrderRequest> = {
    oncely: request,
    handRolled: request,
    oncelyWorkerElsewhere: orderRequest(elsewhere),
  };
  const servers: Record<ServerName, ApiServer> = {
    oncely: await startServer("oncely", db.url),
    handRolled: await startServer("handRolled", db.url),
    oncelyWorkerElsewhere: await startServer("oncelyWorkerElsewhere", elsewhere.url),
  };
  try {
    // Keys to replay, made by the server that replays them (see orderRequests.ts).
    const replayKeys: Partial<Record<HandRolledVariant, string[]>> = {
      oncelyReplay: await makeKeys(servers.oncely, Number(options["replay-keys"]), request),
      handRolledReplay: await makeKeys(servers.handRolled, Number(options["replay-keys"]), request),
    };
    // As many orders on the third server, unused: it starts the rounds as warm as the other two.
    await makeKeys(servers.oncelyWorkerElsewhere, Number(options["replay-keys"]), requests.oncelyWorkerElsewhere);
    const load = (variant: HandRolledVariant, seconds: number) => {
      const server = SERVER_OF[variant];
      return loadOrders(servers[server], requests[server], {
        connections: Number(options.connections),
        seconds,
        replayKeys: replayKeys[variant],
      });
    };

    for (const regime of regimes) {
      await setSystem(db, { synchronous_commit: regime });
      for (const variant of NAMES) await load(variant, 2); // warm up JIT, pools, caches
      await waitForOutbox(db.db.sql); // the warm-up's confirmations are not the first round's
      const samples = await measureRounds({
        variants: NAMES,
        rounds: Number(options.rounds),
        cpuMs: (variant) => ({ server: servers[SERVER_OF[variant]].cpuMs(), postgres: db.postgresCpuMs() }),
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
    await Promise.all(Object.values(servers).map((server) => server.stop()));
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
