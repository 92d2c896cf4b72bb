// BENCHMARKS.md's sections on the engine against the same handlers without it, and on the key
// table at scale and the SDK.
import { DRIVER_VARIANTS, type DriverVariant } from "../driverStatements";
import type { Measured } from "../results";
import {
  ENGINE_VARIANTS,
  type EngineResult,
  type EngineVariant,
  type KeyTableResult,
  type SdkOverheadResult,
  STATEMENT_VARIANTS,
  type StatementsResult,
  type StatementVariant,
} from "../resultTypes";
import { cpuRatio, medianCpu, medianOf, medianServerCpu, throughputRatio } from "../stats";
import { REGIMES, type Regime } from "./inputs";
import { fixed, missing, ms, provenance, table, whole } from "./markdown";

/** The floor each idempotent variant is compared with. */
const FLOOR_OF: Partial<Record<EngineVariant, EngineVariant>> = {
  idempotent: "orderFloor",
  transferIdempotent: "transferFloor",
};

export function engineSection(regime: Regime, result: Measured<EngineResult>): string {
  const title = `## Idempotency engine against the same handlers without it, ${REGIMES[regime]}`;
  if (!result)
    return `${title}\n\n${missing(`engine-sync-${regime}`, "pnpm --filter @oncely/bench exec tsx src/engine.ts")}`;
  const { options, samples, latency } = result;
  const names = Object.keys(ENGINE_VARIANTS) as EngineVariant[];
  const baseline = (v: EngineVariant) => samples[ENGINE_VARIANTS[v].baseline];
  const plainRate = medianOf(samples.plain, (s) => s.requestsPerSecond);
  return `${title}

${provenance(result.run)}

Server: bench/src/benchServer.ts, one Node process, pool of ${result.poolSize}: the same handlers mounted plain
(in \`db.transaction\`), with only the floor of any key store kept in the transaction (the key row
with its answer, one INSERT sent with COMMIT: no lock for a duplicate to wait on, no savepoint, so
not an engine; it prices the row), and with the idempotency middleware. Load: autocannon in the bench
process, ${options.connections} connections, loopback; every request a new Idempotency-Key. Each round runs
every variant for ${options.duration} s (reversed every other round); ratios within a round, median over
${options.rounds} rounds. Orders: one read, one insert (the lightest mutation: the middleware's fixed cost
shows most). Transfers: @oncely/api's transfer work (account read, row locks, two ledger entries, two
balances, the transfer row) between random pairs of ${whole(result.transferAccounts)} accounts.

${table(
  [
    "variant",
    "req/s per round",
    "to its plain, req/s",
    "to its floor, req/s",
    "to its plain, CPU",
    "to its floor, CPU",
  ],
  names.map((v) => {
    const floor = FLOOR_OF[v];
    const own = ENGINE_VARIANTS[v].baseline === v;
    return [
      ENGINE_VARIANTS[v].label,
      samples[v].map((s) => whole(s.requestsPerSecond)).join(", "),
      own ? "1.00" : `**${fixed(throughputRatio(samples[v], baseline(v)))}**`,
      floor ? `**${fixed(throughputRatio(samples[v], samples[floor]))}**` : "",
      own ? "1.00" : fixed(cpuRatio(samples[v], baseline(v))),
      floor ? fixed(cpuRatio(samples[v], samples[floor])) : "",
    ];
  }),
)}
| raw driver (postgres.js, BEGIN + SELECT + INSERT + COMMIT, ${options.connections} workers, pool ${result.poolSize}) | ${whole(result.rawDriverTransactionsPerSecond)} tx/s | ${fixed(result.rawDriverTransactionsPerSecond / plainRate)} × orders plain (the limit) | | | |

CPU time per answered request (bench server + every PostgreSQL process, median over rounds): steadier
than req/s when other work shares the machine; "to its plain, CPU" above is plain's CPU per request over
the variant's, the throughput ratio CPU allows when CPU is the limit.

${table(
  ["variant", "CPU per request", "Node server", "PostgreSQL"],
  names.map((v) => {
    const all = medianCpu(samples[v]);
    const server = medianServerCpu(samples[v]);
    return [v, ms(all), ms(server), ms(all - server)];
  }),
)}

Latency, orders, one request at a time: each new key's first execution is followed at once by its
replay (a retry), pair after pair, so both meet the same moments of the machine.

${table(
  ["latency", "first execution p50", "replay p50", "replay p99", "replay / first"],
  (
    [
      ["default (fast path for keys this process saw)", latency.default],
      ["fast path for every key", latency.alwaysFastPath],
    ] as const
  ).map(([name, pairs]) => [
    `${name} (${pairs.pairs} pairs)`,
    ms(pairs.firstP50, 2),
    ms(pairs.replayP50, 2),
    ms(pairs.replayP99, 2),
    `**${fixed(pairs.replayP50 / pairs.firstP50)}**`,
  ]),
)}`;
}

export function statementsSection(result: Measured<StatementsResult>): string {
  const title = "## Where the engine's cost goes: the middleware's statements one by one";
  if (!result) return `${title}\n\n${missing("statements", "pnpm --filter @oncely/bench exec tsx src/statements.ts")}`;
  const { options, samples, driver } = result;
  const names = Object.keys(STATEMENT_VARIANTS) as StatementVariant[];
  const cpu = (v: StatementVariant) => medianCpu(samples[v]);
  const base = cpu("plain");
  // Variants a results file predates are left out, not invented.
  const driverNames = (Object.keys(DRIVER_VARIANTS) as DriverVariant[]).filter((v) => driver[v]);
  const orderUs = driver.order.nodeUs + driver.order.postgresUs;
  return `${title}

${provenance(result.run)}

synchronous_commit off (CPU-bound). The order handler of bench/src/benchServer.ts with some of the
middleware's statements and without the middleware; ${options.rounds} rounds of ${options.duration} s per variant,
interleaved, ${options.connections} connections; CPU per request (server + PostgreSQL), median over rounds.
"plain / variant" is the throughput ratio CPU allows when CPU is the limit.

${table(
  ["variant", "CPU per request", "more than the plain handler", "plain / variant"],
  names.map((v) => [STATEMENT_VARIANTS[v], ms(cpu(v)), v === "plain" ? "—" : ms(cpu(v) - base), fixed(base / cpu(v))]),
)}

The same statements at the driver (postgres.js in the bench process, no HTTP, tRPC or drizzle):
${options["driver-transactions"]} transactions per variant and round from ${result.driverWorkers} workers on a pool as
large, ${options["driver-rounds"]} rounds, interleaved; CPU per transaction, median over rounds; "more than the
order" is the median of the per-round differences.

${table(
  ["variant", "Node µs", "PostgreSQL µs", "more than the order"],
  driverNames.map((v) => [
    DRIVER_VARIANTS[v],
    fixed(driver[v].nodeUs, 0),
    fixed(driver[v].postgresUs, 0),
    v === "order"
      ? "—"
      : `${fixed(driver[v].overOrderUs, 0)} µs (${fixed((100 * driver[v].overOrderUs) / orderUs, 0)}%)`,
  ]),
)}`;
}

export function keyTableSection(result: Measured<KeyTableResult>): string {
  const title = "## Key table at scale, duplicate storm, sweeper under traffic";
  if (!result) return `${title}\n\n${missing("key-table", "pnpm --filter @oncely/bench exec tsx src/keyTable.ts")}`;
  const { storm, sweep, traffic } = result;
  const statuses = Object.entries(storm.statuses)
    .map(([status, n]) => `${n} × ${status}`)
    .join(", ");
  const trafficRow = (name: string, t: typeof traffic.before) => [
    name,
    whole(t.requestsPerSecond),
    `${t.p50} ms`,
    `${t.p99} ms`,
  ];
  return `${title}

${provenance(result.run)}

PostgreSQL embedded, synchronous_commit off (this part is about table and index size, not fsync).
Latencies are one request at a time over HTTP to bench/src/benchServer.ts's idempotent order.

${table(
  ["rows in oncely_idempotency_keys", "fill time", "new key p50", "replay p50"],
  result.bySize.map((s) => [whole(s.rows), `${fixed(s.fillSeconds, 1)} s`, ms(s.create, 2), ms(s.replay, 2)]),
)}

**Duplicate storm**: ${storm.requests} concurrent requests with one key → **${storm.executions} execution${storm.executions === 1 ? "" : "s"}** (orders rows added), answers: ${statuses}; all answered in ${whole(storm.ms)} ms.

**Sweeper under traffic**: ${whole(sweep.rows)} expired keys deleted in batches of ${whole(sweep.batchSize)} in ${fixed(sweep.seconds, 1)} s while ${traffic.connections} connections created orders.

${table(
  [`traffic (${traffic.connections} connections, ${result.options["traffic-seconds"]} s)`, "req/s", "p50", "p99"],
  [trafficRow("before the sweep", traffic.before), trafficRow("during the sweep", traffic.during)],
)}`;
}

export function sdkSection(result: Measured<SdkOverheadResult>): string {
  if (!result)
    return `## SDK call overhead\n\n${missing("sdk-overhead", "pnpm --filter @oncely/bench exec tsx src/sdkOverhead.ts")}`;
  // The SDK bench's own table and text, as it printed them; the run's provenance from the file.
  const [heading = "", ...rest] = result.section.split("\n");
  return [
    heading,
    provenance(result.run),
    "As printed by packages/sdk/bench/overhead.ts:",
    rest.join("\n").trim(),
  ].join("\n\n");
}
