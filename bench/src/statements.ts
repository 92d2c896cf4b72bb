// `pnpm bench` (statements part): where the middleware's cost goes. The plain order handler
// runs in the middleware's kind of transaction with some of the statements the middleware
// adds (the claim, the savepoint, the stored answer), without the middleware itself; the
// idempotent procedure is measured beside them. CPU per request (server + PostgreSQL), many
// short rounds with the variants interleaved, median over rounds: on a shared machine a
// difference of a tenth of a millisecond is only visible that way.
import { parseArgs } from "node:util";
import { startBenchEnvironment } from "./environment";
import { loadWithNewKeys, measureRounds } from "./load";
import { describeMachine, median } from "./machine";
import { writeSection } from "./results";

const { values: args } = parseArgs({
  options: {
    duration: { type: "string", default: "1" },
    rounds: { type: "string", default: "30" },
    connections: { type: "string", default: "32" },
  },
});
const duration = Number(args.duration);
const rounds = Number(args.rounds);
const connections = Number(args.connections);

const VARIANTS = {
  plainPipelined: "plain handler (BEGIN pipelined, as the middleware's)",
  statementsSavepoint: "+ SAVEPOINT",
  statementsClaim: "+ claim (key row INSERT, lock_timeout set and reset)",
  statementsClaimSavepoint: "+ claim + SAVEPOINT (one write with BEGIN)",
  statementsAll: "+ claim + SAVEPOINT + stored answer (UPDATE, with COMMIT): all the middleware's statements",
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
  const base = cpu("plainPipelined");
  const markdown = `
## Where the cost goes: the middleware's statements one by one

Command: \`pnpm bench\` (\`bench/src/statements.ts --duration ${duration} --rounds ${rounds} --connections ${connections}\`)
Date: ${new Date().toISOString().slice(0, 10)}. Machine: ${describeMachine(env.postgresVersion)}.
synchronous_commit off (CPU-bound). The order handler with some of the middleware's statements and
without the middleware; ${rounds} rounds of ${duration} s per variant, interleaved; CPU per request
(server + PostgreSQL), median over rounds. Expect ±0.1 ms of noise on this machine.

| variant | CPU per request | more than the plain handler |
| --- | --- | --- |
${NAMES.map((v) => `| ${VARIANTS[v]} | ${cpu(v).toFixed(3)} ms | ${v === "plainPipelined" ? "—" : `${(cpu(v) - base).toFixed(3)} ms`} |`).join("\n")}
`;
  process.stdout.write(markdown);
  writeSection("engine-statements", markdown);
} finally {
  await env.stop();
}
