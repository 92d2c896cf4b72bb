// Why each of issue 14's goals is out of reach, in numbers from the result files: for every goal,
// the measured part of the cost that alone decides it. No number is typed here: the targets are goals.ts's.
import { medianCpu as cpu, cpuRatio, medianServerCpu as serverCpu } from "../stats";
import { FLOOR_DISTANCE_TARGET, NEW_KEYS_TARGET, REPLAYS_TARGET, TRANSFER_TARGET } from "./goals";
import { outboxWorkerCost } from "./handRolledSections";
import type { Results } from "./inputs";
import { fixed, ms } from "./markdown";

/** A cost in ms, or what it is when a difference of two medians came out below zero. */
const cost = (n: number) => (n >= 0 ? ms(n) : `below this run's noise (${ms(n)})`);

/** One line per goal family, CPU-bound regime (the durable one is in the tables above). */
export function whyMissed(results: Results): string {
  const lines: string[] = [];
  const hand = results.handRolled.off;
  if (hand) {
    const { oncelyNew, handRolledNew, oncelyReplay, handRolledReplay } = hand.samples;
    const gap = cpu(oncelyNew) - cpu(handRolledNew);
    const worker = outboxWorkerCost(oncelyNew);
    const delivery =
      worker.rounds > 0 ? `${ms(worker.server + worker.postgres)} per order` : "not measured in this run";
    const profile = results.profile?.newKeys;
    const drizzle = profile?.byPackage.find((p) => p.name === "drizzle");
    const drizzleLine =
      profile && drizzle
        ? `${fixed((1000 * drizzle.selfMs) / profile.requests, 0)} µs of self time per request under the profiler`
        : "see the profile";
    lines.push(
      `- **New keys ≥ ${fixed(NEW_KEYS_TARGET, 1)}× hand-rolled.** Oncely's new-key request costs ${ms(cpu(oncelyNew))} of CPU against ${ms(cpu(handRolledNew))}: ${ms(gap)} more, of which the server's side is ${ms(serverCpu(oncelyNew) - serverCpu(handRolledNew))}. Where it goes: the outbox delivery the hand-rolled server never does (${delivery}); drizzle's query building in the engine and in the app's handler (${drizzleLine}: drizzle builds each statement again in every transaction, prepared or not, since reusing a prepared query across transactions is not in its public API, drizzle-team/drizzle-orm#2826); and the round trips and statements the counted table lists. The hand-rolled server writes its handler on bare postgres.js; Oncely's users write theirs with drizzle.`,
    );
    const replayServer = serverCpu(oncelyReplay);
    const ceiling = cpu(handRolledReplay) / replayServer;
    lines.push(
      `- **Replays ≥ ${fixed(REPLAYS_TARGET, 1)}× hand-rolled.** A replay costs Oncely ${ms(cpu(oncelyReplay))} (server ${ms(replayServer)}, PostgreSQL ${ms(cpu(oncelyReplay) - replayServer)}) and the hand-rolled server ${ms(cpu(handRolledReplay))} (server ${ms(serverCpu(handRolledReplay))}). With PostgreSQL's share at zero, Oncely's server alone would allow ${fixed(ceiling)}× the hand-rolled rate${ceiling < REPLAYS_TARGET ? `: ${REPLAYS_TARGET}× is out of reach whatever the database does` : ""}. Where a replay's server time goes (tRPC's standalone adapter, HTTP, the engine): the replay profile in bench/README.md.`,
    );
  }
  const s = results.statements;
  if (s) {
    const { plain, orderFloor, statementsClaim, statementsSavepoint, statementsAll, idempotent } = s.samples;
    // Within the target of the floor: plain / engine ≥ plain / floor − target, in CPU per request.
    const allowed = cpu(plain) / (cpu(plain) / cpu(orderFloor) - FLOOR_DISTANCE_TARGET) - cpu(orderFloor);
    const claim = cpu(statementsClaim) - cpu(plain);
    lines.push(
      `- **Engine within ${fixed(FLOOR_DISTANCE_TARGET)} of the floor.** Over the floor (${ms(cpu(orderFloor))} per order), the engine's own statements add ${ms(cpu(statementsAll) - cpu(orderFloor))} (over plain: the claim alone ${cost(claim)}, the SAVEPOINT alone ${cost(cpu(statementsSavepoint) - cpu(plain))}), and the middleware's work in the server (key header, fingerprint, tRPC middleware, building the statements) ${cost(cpu(idempotent) - cpu(statementsAll))}. Within ${fixed(FLOOR_DISTANCE_TARGET)} of the floor allows ${ms(allowed)} over the floor (plain order ${ms(cpu(plain))})${claim > allowed ? ", less than the claim alone costs" : ""}. The claim is what makes duplicates wait instead of running twice; the SAVEPOINT is what stores a business error while the key is held (see the design space).`,
    );
  }
  const e = results.engine.off;
  if (e) {
    const { transferPlain, transferFloor, transferIdempotent } = e.samples;
    const floor = cpuRatio(transferFloor, transferPlain);
    const allowed = cpu(transferPlain) / TRANSFER_TARGET - cpu(transferPlain);
    lines.push(
      `- **Transfer ≥ ${fixed(TRANSFER_TARGET)} of plain.** ${fixed(TRANSFER_TARGET)} allows ${ms(allowed)} of CPU over a plain transfer (${ms(cpu(transferPlain))}). The key row with its answer alone (the floor) takes ${cost(cpu(transferFloor) - cpu(transferPlain))} (${fixed(floor)} of plain), and the engine ${ms(cpu(transferIdempotent) - cpu(transferPlain))} in all: the claim, the savepoint and the middleware's work, as in the order's line above.`,
    );
  }
  return lines.length > 0 ? lines.join("\n") : "Nothing measured yet: run `pnpm bench`.";
}
