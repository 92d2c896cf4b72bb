// `pnpm bench` (statements part): where the middleware's cost goes. The plain order handler
// runs in the middleware's kind of transaction with some of the statements the middleware
// adds (the claim, the savepoint, the stored answer), without the middleware itself; the
// idempotent procedure is measured beside them, and so is the floor of any key store kept in
// the business transaction (one key row, answer included, written with COMMIT). Then the same
// statements at the driver, without HTTP, tRPC or drizzle around them (driverStatements.ts).
// CPU per request (server + PostgreSQL), many short rounds with the variants interleaved,
// median over rounds: on a shared machine a difference of a tenth of a millisecond is only
// visible that way.
import { parseArgs } from "node:util";
import { DRIVER_VARIANTS, type DriverVariant, measureDriverStatements } from "./driverStatements";
import { startBenchEnvironment } from "./environment";
import { loadWithNewKeys, measureRounds } from "./load";
import { describeMachine, median } from "./machine";
import { writeSection } from "./results";

const { values: args } = parseArgs({
  options: {
    duration: { type: "string", default: "1" },
    rounds: { type: "string", default: "30" },
    connections: { type: "string", default: "32" },
    "driver-rounds": { type: "string", default: "11" },
    "driver-transactions": { type: "string", default: "2000" },
  },
});
const duration = Number(args.duration);
const rounds = Number(args.rounds);
const connections = Number(args.connections);
const driverRounds = Number(args["driver-rounds"]);
const driverTransactions = Number(args["driver-transactions"]);

const VARIANTS = {
  plain: "plain handler (in `db.transaction`)",
  statementsRow:
    "+ the key row with its answer, INSERTed with COMMIT (the floor of any store in the transaction; not an engine)",
  statementsSavepoint:
    "+ SAVEPOINT (what the middleware set before every handler until it stored business errors without one)",
  statementsClaim: "+ claim (the key's advisory lock with its bounded wait, then its row: one round trip)",
  statementsAll: "+ claim + the key row with its answer: all the middleware's statements",
  idempotent: "idempotent procedure (the middleware itself)",
} as const;
type Variant = keyof typeof VARIANTS;
const NAMES = Object.keys(VARIANTS) as Variant[];

const env = await startBenchEnvironment({ synchronous_commit: "off" });
try {
  const body = JSON.stringify({ accountId: env.accountId, amount: 1999, currency: "USD" });
  const load = (variant: Variant, seconds: number) =>
    loadWithNewKeys({ url: `${env.base}/${variant}`, body, connections, seconds });
  for (const variant of NAMES) await load(variant, 2); // warm up

  const samples = await measureRounds({
    variants: NAMES,
    rounds,
    cpuMs: env.cpuMs,
    load: (variant) => load(variant, duration),
  });
  const cpu = (v: Variant) => median(samples[v].map((s) => s.cpuPerRequest));
  const base = cpu("plain");
  const driver = await measureDriverStatements({
    url: env.url,
    principalId: env.principalId,
    accountId: env.accountId,
    rounds: driverRounds,
    transactions: driverTransactions,
    postgresCpuMs: () => env.cpuMs().postgres,
  });
  const driverNames = Object.keys(DRIVER_VARIANTS) as DriverVariant[];
  const orderUs = driver.order.nodeUs + driver.order.postgresUs;
  const markdown = `
## Where the cost goes: the middleware's statements one by one

Command: \`pnpm bench\` (\`bench/src/statements.ts --duration ${duration} --rounds ${rounds} --connections ${connections} --driver-rounds ${driverRounds} --driver-transactions ${driverTransactions}\`)
Date: ${new Date().toISOString().slice(0, 10)}. Machine: ${describeMachine(env.postgresVersion)}.
synchronous_commit off (CPU-bound). The order handler with some of the middleware's statements and
without the middleware; ${rounds} rounds of ${duration} s per variant, interleaved; CPU per request
(server + PostgreSQL), median over rounds. Expect ±0.1 ms of noise on this machine. "plain / variant"
is the throughput ratio CPU allows when CPU is the limit.

| variant | CPU per request | more than the plain handler | plain / variant |
| --- | --- | --- | --- |
${NAMES.map((v) => `| ${VARIANTS[v]} | ${cpu(v).toFixed(3)} ms | ${v === "plain" ? "—" : `${(cpu(v) - base).toFixed(3)} ms`} | ${(base / cpu(v)).toFixed(2)} |`).join("\n")}

The same statements at the driver (postgres.js in the bench process, no HTTP, tRPC or drizzle):
${driverTransactions} transactions per variant and round from 10 workers on a pool of 10, ${driverRounds} rounds,
interleaved; CPU per transaction, median over rounds; "more than the order" is the median of the
per-round differences.

| variant | Node µs | PostgreSQL µs | more than the order |
| --- | --- | --- | --- |
${driverNames.map((v) => `| ${DRIVER_VARIANTS[v]} | ${driver[v].nodeUs.toFixed(0)} | ${driver[v].postgresUs.toFixed(0)} | ${v === "order" ? "—" : `${driver[v].overOrderUs.toFixed(0)} µs (${((100 * driver[v].overOrderUs) / orderUs).toFixed(0)}%)`} |`).join("\n")}
`;
  process.stdout.write(markdown);
  writeSection("engine-statements", markdown);
} finally {
  await env.stop();
}
