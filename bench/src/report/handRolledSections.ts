// BENCHMARKS.md's sections on Oncely against the hand-rolled keyed order.
import type { RoundSample } from "../load";
import type { Measured } from "../results";
import {
  type BreakdownResult,
  HAND_ROLLED_VARIANTS,
  type HandRolledResult,
  type HandRolledVariant,
  type RequestBreakdown,
  type Side,
} from "../resultTypes";
import { cpuRatio, median, medianCpu, medianOf, medianServerCpu, throughputRatio } from "../stats";
import { REGIME_NAMES, REGIMES, type Regime } from "./inputs";
import { fixed, missing, ms, provenance, table, whole } from "./markdown";

const SIDES: Record<Side, string> = { oncely: "Oncely (apps/server)", handRolled: "hand-rolled" };
const PASSES = { newKey: "new key", replay: "replay" } as const;
type Pass = keyof typeof PASSES;
/** Each side's new-key pass, then its replay pass: the breakdown's columns and its statement tables. */
const SIDE_PASSES = (Object.keys(SIDES) as Side[]).flatMap((side) =>
  (Object.keys(PASSES) as Pass[]).map((pass) => ({ side, pass, title: `${SIDES[side]}, ${PASSES[pass]}` })),
);

/**
 * apps/server's outbox worker, from the pause after each new-key load while it caught up: CPU
 * (server, PostgreSQL; ms) per message it delivered then, median over the rounds that left some,
 * and the share of the load's messages still pending when the load ended.
 */
export function outboxWorkerCost(samples: RoundSample[]) {
  const rounds = samples.flatMap((s) =>
    s.deferred && s.deferred.items > 0 ? [{ ...s.deferred, answered: s.answered }] : [],
  );
  return {
    rounds: rounds.length,
    server: median(rounds.map((d) => d.serverMs / d.items)),
    postgres: median(rounds.map((d) => d.postgresMs / d.items)),
    pendingShare: median(rounds.map((d) => d.items / d.answered)),
  };
}
/** Median over rounds of one of the database's counters per request (databaseCounters.ts's writeCounters). */
export const counterPerRequest = (samples: RoundSample[], name: string) =>
  medianOf(samples, (s) => s.databasePerRequest?.[name] ?? Number.NaN);

export function handRolledSection(regime: Regime, result: Measured<HandRolledResult>): string {
  const title = `## Oncely against a hand-rolled keyed order, ${REGIMES[regime]}`;
  if (!result)
    return `${title}\n\n${missing(`hand-rolled-sync-${regime}`, "pnpm --filter @oncely/bench exec tsx src/handRolled.ts")}`;
  const { options, samples } = result;
  const names = Object.keys(HAND_ROLLED_VARIANTS) as HandRolledVariant[];
  return `${title}

${provenance(result.run)}

Three servers run side by side, each in its own Node process with a pool of ${result.poolSize}. On the
bench database: apps/server as deployed (its \`orders.create\` with API-key auth, the idempotency engine,
the outbox worker and the sweeper; chaos off) and the hand-rolled baseline (bench/src/handRolled/: tRPC
standalone, postgres.js tagged templates, a ~40-line key middleware, the same order work: read the
account, insert the order, insert its outbox row). For equal work, apps/server with its in-process
outbox worker off (\`OUTBOX_POLL_MS=0\`, as when another process delivers the outbox), loaded with
new keys only, on a database of its own on the same PostgreSQL, so that the first one's worker does
not deliver its confirmations either. Load: autocannon in the bench process,
${options.connections} connections, loopback, all on the same cores. Each round loads every variant for
${options.duration} s, in reverse order every other round; ratios are taken within a round, then the
median over ${options.rounds} rounds. New keys: every request a new Idempotency-Key. Replays: keys
drawn at random from ${whole(Number(options["replay-keys"]))} orders the same server created before the
rounds. After each load the bench waits until apps/server's outbox worker has delivered every
confirmation, and CPU and transaction counts include that wait: the worker's work is part of
Oncely's request as deployed. The hand-rolled server and apps/server without its worker leave their
outbox rows undelivered and nothing waits for them: that pair does the same work per request.

${table(
  ["variant", "req/s per round", "Oncely / hand-rolled, req/s", "CPU per request allows"],
  names.map((v) => {
    // The hand-rolled variant an Oncely variant is compared with in its round; null for the hand-rolled ones.
    const baseline = HAND_ROLLED_VARIANTS[v].baseline;
    return [
      HAND_ROLLED_VARIANTS[v].label,
      samples[v].map((s) => whole(s.requestsPerSecond)).join(", "),
      baseline ? `**${fixed(throughputRatio(samples[v], samples[baseline]))}×**` : "",
      baseline ? `${fixed(cpuRatio(samples[v], samples[baseline]))}×` : "",
    ];
  }),
)}

CPU time per answered request, median over rounds (the server's process, every PostgreSQL process),
with what PostgreSQL counted: transaction ids handed out (one per transaction or savepoint that
wrote) and WAL bytes.

${table(
  ["variant", "CPU per request", "server", "PostgreSQL", "transaction ids", "WAL bytes"],
  names.map((v) => {
    const all = medianCpu(samples[v]);
    const server = medianServerCpu(samples[v]);
    return [
      HAND_ROLLED_VARIANTS[v].label,
      ms(all),
      ms(server),
      ms(all - server),
      fixed(counterPerRequest(samples[v], "transactionIds")),
      whole(counterPerRequest(samples[v], "walBytes")),
    ];
  }),
)}

${outboxWorkerLine(samples)}`;
}

/**
 * What apps/server's outbox worker costs per order, in words: estimated from its catch-up after
 * the new-key loads, beside the new-key request measured with the worker in another process.
 */
export function outboxWorkerLine(samples: HandRolledResult["samples"]): string {
  const elsewhere = samples.oncelyNewWorkerElsewhere;
  const elsewhereAll = medianCpu(elsewhere);
  const elsewhereServer = medianServerCpu(elsewhere);
  const measured = `measured with the outbox worker in another process, ${ms(elsewhereAll)} (server ${ms(elsewhereServer)}, PostgreSQL ${ms(elsewhereAll - elsewhereServer)})`;
  const worker = outboxWorkerCost(samples.oncelyNew);
  if (worker.rounds === 0)
    return `apps/server's outbox worker kept up with every load (nothing was pending when a load ended). Oncely's new-key request without its confirmation's delivery, ${measured}.`;
  const all = medianCpu(samples.oncelyNew);
  return `apps/server's outbox worker (one confirmation per order), measured while it caught up after the new-key loads
(${worker.rounds} of ${samples.oncelyNew.length} rounds left messages pending: a median ${fixed(100 * worker.pendingShare, 0)}% of the load's orders): ${ms(worker.server + worker.postgres)} of CPU
per delivered message (server ${ms(worker.server)}, PostgreSQL ${ms(worker.postgres)}). Oncely's new-key request
without its confirmation's delivery is then about ${ms(all - worker.server - worker.postgres)}; ${measured}.`;
}

/**
 * The summary's line on equal work: apps/server with its outbox delivered by another process
 * against the hand-rolled order, new keys, in each regime measured. Not a goal: the goals judge
 * apps/server as deployed.
 */
export function equalWorkLine(results: Record<Regime, Measured<HandRolledResult>>): string {
  const regimes = REGIME_NAMES.flatMap((regime) => {
    const r = results[regime];
    if (!r) return [];
    const [subject, baseline] = [r.samples.oncelyNewWorkerElsewhere, r.samples.handRolledNew];
    return [
      `${REGIMES[regime]}: **${fixed(throughputRatio(subject, baseline))}×** req/s, CPU per request allows ${fixed(cpuRatio(subject, baseline))}×`,
    ];
  });
  if (regimes.length === 0) return "";
  return `Equal work, not a goal (the goals judge apps/server as deployed, whose in-process outbox worker delivers
each order's confirmation): apps/server with its outbox worker in another process against the hand-rolled
order, new keys, neither side delivering its confirmations. ${regimes.join("; ")}. The
hand-rolled sections below have the rounds.`;
}

const DATABASE_COUNTERS: [string, string][] = [
  ["commits", "commits"],
  ["rollbacks", "rollbacks"],
  ["tuplesFetched", "tuples fetched"],
  ["tuplesReturned", "tuples returned"],
  ["tuplesInserted", "tuples inserted"],
  ["tuplesUpdated", "tuples updated"],
  ["blocksAccessed", "buffer blocks accessed"],
];

/** Statements sent (simple queries + extended-protocol executes), parsed (extended-protocol parses). */
const statementsSent = (b: RequestBreakdown) =>
  (b.wire.messages["query (simple protocol)"] ?? 0) + (b.wire.messages.execute ?? 0);
const statementsParsed = (b: RequestBreakdown) => b.wire.messages.parse ?? 0;

/** One row per counted measure, one column per side and pass: the summary's table too. */
export function breakdownTable(result: BreakdownResult): string {
  const columns = SIDE_PASSES.map(({ side, pass, title }) => ({ title, breakdown: result.perRequest[side][pass] }));
  const row = (name: string, of: (b: RequestBreakdown) => number, digits = 2) => [
    name,
    ...columns.map((c) => fixed(of(c.breakdown), digits)),
  ];
  return table(
    ["per request", ...columns.map((c) => c.title)],
    [
      row("round trips to PostgreSQL", (b) => b.wire.roundTrips),
      row("statements sent", statementsSent),
      row("statements parsed (unprepared: parse + describe each time)", statementsParsed),
      ...DATABASE_COUNTERS.map(([key, name]) => row(name, (b) => b.database[key] ?? Number.NaN)),
      row("bytes to PostgreSQL", (b) => b.wire.bytesToPostgres, 0),
    ],
  );
}

export function breakdownSection(result: Measured<BreakdownResult>): string {
  const title = "## Where a keyed order's cost goes, counted";
  if (!result)
    return `${title}\n\n${missing("hand-rolled-breakdown", "pnpm --filter @oncely/bench exec tsx src/handRolled.ts")}`;
  const statements = (side: Side, pass: Pass) =>
    table(
      ["statement (pg_stat_statements, normalised)", "calls", "rows", "execution µs"],
      result.perRequest[side][pass].statements
        .filter((s) => s.calls >= 0.05)
        .map((s) => [
          `\`${s.query.length > 110 ? `${s.query.slice(0, 110)}…` : s.query}\``.replaceAll("|", "\\|"),
          fixed(s.calls),
          fixed(s.rows),
          fixed(s.execMs * 1000, 0),
        ]),
    );
  return `${title}

${provenance(result.run)}

One request at a time (${result.requests} new keys, then a replay of each), on a fresh server process of
each side whose database connections pass through a counting proxy (bench/src/wire.ts), with
pg_stat_statements on and autovacuum off (so its work is not counted as the requests'). A round trip
is a write to PostgreSQL that follows an answer from it on the same connection. Background work
the requests caused is included (apps/server's outbox worker delivers each confirmation: its own
transaction, and the demo mail sink's insert); pg_stat_database's counts also include apps/server's idle
worker polling once a second during the 11 s its statistics take to be published. Counts, not
times: the proxy and pg_stat_statements would distort any timing, so nothing here is timed except
PostgreSQL's own execution time per statement.

${breakdownTable(result)}

${SIDE_PASSES.map(
  ({ side, pass, title }, i) =>
    `${i === 0 ? `Statements per request, ${title} (calls ≥ 0.05 per request)` : title}:\n\n${statements(side, pass)}`,
).join("\n\n")}`;
}
