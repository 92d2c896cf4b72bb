// `pnpm bench` (statements part): where the middleware's cost goes. The plain order handler
// runs in the middleware's kind of transaction with some of the statements the middleware
// adds (the claim, the savepoint, the stored answer), without the middleware itself; the
// idempotent procedure is measured beside them, and so is the floor of any key store kept in
// the business transaction (one key row, answer included, written with COMMIT). Then the same
// statements at the driver, without HTTP, tRPC or drizzle around them (driverStatements.ts).
// CPU per request (server + PostgreSQL), many short rounds with the variants interleaved,
// median over rounds: on a shared machine a difference of a tenth of a millisecond is only
// visible that way. Writes bench/results/statements.json.
import { DRIVER_WORKERS, measureDriverStatements } from "./driverStatements";
import { startBenchEnvironment } from "./environment";
import { loadWithKeys, measureRounds } from "./load";
import { orderRequest } from "./orderRequests";
import { describeRun, parseBenchOptions, writeResult } from "./results";
import { STATEMENT_VARIANTS, type StatementsResult, type StatementVariant } from "./resultTypes";

const { options, line } = parseBenchOptions({
  duration: "1",
  rounds: "25",
  connections: "32",
  "driver-rounds": "11",
  "driver-transactions": "2000",
});
const NAMES = Object.keys(STATEMENT_VARIANTS) as StatementVariant[];

const env = await startBenchEnvironment({ synchronous_commit: "off" });
try {
  const { body } = orderRequest(env);
  const load = (variant: StatementVariant, seconds: number) =>
    loadWithKeys({ url: `${env.base}/${variant}`, body, connections: Number(options.connections), seconds });
  for (const variant of NAMES) await load(variant, 2); // warm up

  const samples = await measureRounds({
    variants: NAMES,
    rounds: Number(options.rounds),
    cpuMs: env.cpuMs,
    load: (variant) => load(variant, Number(options.duration)),
  });
  const driver = await measureDriverStatements({
    url: env.url,
    principalId: env.principalId,
    accountId: env.accountId,
    rounds: Number(options["driver-rounds"]),
    transactions: Number(options["driver-transactions"]),
    postgresCpuMs: env.postgresCpuMs,
  });
  const result: StatementsResult = { options, samples, driver, driverWorkers: DRIVER_WORKERS };
  writeResult("statements", describeRun(line, env.postgresVersion), result);
} finally {
  await env.stop();
}
