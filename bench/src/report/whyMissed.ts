// Why each of issue 14's goals is out of reach, in numbers from the result files: for every goal,
// the measured part of the cost that alone decides it. No number is typed here.
import type { RoundSample } from "../load";
import { cpuRatio, medianOf } from "../stats";
import type { Results } from "./inputs";
import { fixed, ms } from "./markdown";

const cpu = (samples: RoundSample[]) => medianOf(samples, (s) => s.cpuPerRequest);
const serverCpu = (samples: RoundSample[]) => medianOf(samples, (s) => s.serverCpuPerRequest);

/** One line per goal family, CPU-bound regime (the durable one is in the tables above). */
export function whyMissed(results: Results): string {
  const lines: string[] = [];
  const hand = results.handRolled.off;
  if (hand) {
    const { oncelyNew, handRolledNew, oncelyReplay, handRolledReplay } = hand.samples;
    const gap = cpu(oncelyNew) - cpu(handRolledNew);
    lines.push(
      `- **New keys ≥ 1.0× hand-rolled.** Oncely's new-key request costs ${ms(cpu(oncelyNew))} of CPU against ${ms(cpu(handRolledNew))}: ${ms(gap)} more, of which the server's side is ${ms(serverCpu(oncelyNew) - serverCpu(handRolledNew))}. The parts are measured above: the outbox delivery the hand-rolled server never does (the worker line of "Where the cost goes"), drizzle's query building in the engine and in the app's handler (bench/README.md's profile: drizzle builds every statement again in each transaction, prepared or not, since a prepared query cannot be reused across transactions through its public API, drizzle-team/drizzle-orm#2826), and the statements the counted table lists. The hand-rolled server writes its handler on bare postgres.js; Oncely's users write theirs with drizzle.`,
    );
    const replayServer = serverCpu(oncelyReplay);
    const ceiling = cpu(handRolledReplay) / replayServer;
    lines.push(
      `- **Replays ≥ 2.0× hand-rolled.** A replay costs Oncely ${ms(cpu(oncelyReplay))} (server ${ms(replayServer)}, PostgreSQL ${ms(cpu(oncelyReplay) - replayServer)}) and the hand-rolled server ${ms(cpu(handRolledReplay))} (server ${ms(serverCpu(handRolledReplay))}). With PostgreSQL's share at zero, Oncely's server alone would allow ${fixed(ceiling)}× the hand-rolled rate${ceiling < 2 ? ": 2× is out of reach whatever the database does" : ""}. Where a replay's server time goes (tRPC's standalone adapter, HTTP, the engine): the replay profile in bench/README.md.`,
    );
  }
  const s = results.statements;
  if (s) {
    const { plain, orderFloor, statementsClaim, statementsSavepoint, statementsAll, idempotent } = s.samples;
    const allowed = 0.03 * cpu(plain);
    const claim = cpu(statementsClaim) - cpu(plain);
    lines.push(
      `- **Engine within 0.03 of the floor.** Over the floor (${ms(cpu(orderFloor))} per order), the engine's own statements add ${ms(cpu(statementsAll) - cpu(orderFloor))} (over plain: the claim alone ${ms(claim)}, the SAVEPOINT alone ${ms(cpu(statementsSavepoint) - cpu(plain))}), and the middleware's work in the server (key header, fingerprint, tRPC middleware, building the statements) ${ms(cpu(idempotent) - cpu(statementsAll))}. Against a plain order of ${ms(cpu(plain))}, 0.03 allows ${ms(allowed)}${claim > allowed ? ", less than the claim alone costs" : ""}. The claim is what makes duplicates wait instead of running twice; the SAVEPOINT is what stores a business error while the key is held (see the design space).`,
    );
  }
  const e = results.engine.off;
  if (e) {
    const floor = cpuRatio(e.samples.transferFloor, e.samples.transferPlain);
    lines.push(
      `- **Transfer ≥ 0.93 of plain.** The floor alone, the key row with its answer and nothing else, allows ${fixed(floor)} of plain by CPU: ${floor < 0.93 ? "below the target, so no key store kept in the business transaction can reach it" : "the engine's claim and savepoint are what is left to reach it"}.`,
    );
  }
  return lines.length > 0 ? lines.join("\n") : "Nothing measured yet: run `pnpm bench`.";
}
