// Issue 14's goals, judged from the result files. Each goal says which measurement judges it.
import { cpuRatio, throughputRatio } from "../stats";
import { REGIME_NAMES, REGIMES, type Results } from "./inputs";
import { fixed } from "./markdown";

export interface Goal {
  goal: string;
  /** For the chart: a short name, the number judged and the least it must be. */
  short: string;
  value: number;
  threshold: number;
  /** The number judged, said with what it is. */
  measured: string;
  target: string;
  /** null: not measured. */
  met: boolean | null;
  judgedBy: string;
}

export const NEW_KEYS_TARGET = 1.0;
export const REPLAYS_TARGET = 2.0;
export const FLOOR_DISTANCE_TARGET = 0.03;
export const TRANSFER_TARGET = 0.93;

export function judgeGoals(results: Results): Goal[] {
  const goals: Goal[] = [];
  for (const regime of REGIME_NAMES) {
    const r = results.handRolled[regime];
    for (const [what, oncely, handRolled, target] of [
      ["new keys", "oncelyNew", "handRolledNew", NEW_KEYS_TARGET],
      ["replays", "oncelyReplay", "handRolledReplay", REPLAYS_TARGET],
    ] as const) {
      const ratio = r ? throughputRatio(r.samples[oncely], r.samples[handRolled]) : Number.NaN;
      const cpu = r ? cpuRatio(r.samples[oncely], r.samples[handRolled]) : Number.NaN;
      goals.push({
        goal: `keyed order, Oncely / hand-rolled, ${what}, ${REGIMES[regime]}`,
        short: `order, ${what}, ${regime === "off" ? "CPU-bound" : "durable"}: Oncely / hand-rolled`,
        value: ratio,
        threshold: target,
        measured: r ? `**${fixed(ratio)}×** req/s (CPU per request allows ${fixed(cpu)}×)` : "not measured",
        target: `≥ ${fixed(target, 1)}×`,
        met: r ? ratio >= target : null,
        judgedBy: "median over rounds of the within-round req/s ratio (bench/src/handRolled.ts)",
      });
    }
  }
  const s = results.statements;
  const engine = s ? cpuRatio(s.samples.idempotent, s.samples.plain) : Number.NaN;
  const floor = s ? cpuRatio(s.samples.orderFloor, s.samples.plain) : Number.NaN;
  goals.push({
    goal: `engine within ${fixed(FLOOR_DISTANCE_TARGET)} of the floor, order, CPU-bound`,
    short: `order, CPU-bound: engine / plain (floor − ${fixed(FLOOR_DISTANCE_TARGET)})`,
    value: engine,
    threshold: floor - FLOOR_DISTANCE_TARGET,
    measured: s
      ? `engine **${fixed(engine)}** of plain, floor ${fixed(floor)}: **${fixed(floor - engine)}** below the floor`
      : "not measured",
    target: `≤ ${fixed(FLOOR_DISTANCE_TARGET)} below`,
    met: s ? floor - engine <= FLOOR_DISTANCE_TARGET : null,
    judgedBy: "plain's median CPU per request over the variant's (bench/src/statements.ts: many short rounds)",
  });
  for (const regime of REGIME_NAMES) {
    const e = results.engine[regime];
    const ratio = e ? throughputRatio(e.samples.transferIdempotent, e.samples.transferPlain) : Number.NaN;
    const cpu = e ? cpuRatio(e.samples.transferIdempotent, e.samples.transferPlain) : Number.NaN;
    goals.push({
      goal: `transfer, idempotent / plain, ${REGIMES[regime]}`,
      short: `transfer, ${regime === "off" ? "CPU-bound" : "durable"}: idempotent / plain`,
      value: ratio,
      threshold: TRANSFER_TARGET,
      measured: e ? `**${fixed(ratio)}** req/s (CPU per request allows ${fixed(cpu)})` : "not measured",
      target: `≥ ${fixed(TRANSFER_TARGET)}`,
      met: e ? ratio >= TRANSFER_TARGET : null,
      judgedBy: "median over rounds of the within-round req/s ratio (bench/src/engine.ts)",
    });
  }
  return goals;
}

export const verdict = (met: boolean | null) => (met === null ? "not measured" : met ? "met" : "**missed**");
