// What the report reads: every result file, or null where a part has not been measured.
import { type Measured, readResult } from "../results";
import type {
  BreakdownResult,
  CommitComparisonResult,
  EngineResult,
  FairnessResult,
  HandRolledResult,
  KeyTableResult,
  ProfileResult,
  SdkOverheadResult,
  StatementsResult,
} from "../resultTypes";

export interface Results {
  engine: Record<Regime, Measured<EngineResult>>;
  handRolled: Record<Regime, Measured<HandRolledResult>>;
  statements: Measured<StatementsResult>;
  keyTable: Measured<KeyTableResult>;
  breakdown: Measured<BreakdownResult>;
  profile: Measured<ProfileResult>;
  sdk: Measured<SdkOverheadResult>;
  fairness: Measured<FairnessResult>;
  stockDriver: Measured<CommitComparisonResult>;
  tryClaim: Measured<CommitComparisonResult>;
}

export function readResults(): Results {
  return {
    engine: { off: readResult("engine-sync-off"), on: readResult("engine-sync-on") },
    handRolled: { off: readResult("hand-rolled-sync-off"), on: readResult("hand-rolled-sync-on") },
    statements: readResult("statements"),
    keyTable: readResult("key-table"),
    breakdown: readResult("hand-rolled-breakdown"),
    profile: readResult("profile"),
    sdk: readResult("sdk-overhead"),
    fairness: readResult("fairness"),
    stockDriver: readResult("stock-driver"),
    tryClaim: readResult("try-claim"),
  };
}

export const REGIMES = { off: "CPU-bound (synchronous_commit off)", on: "durable (synchronous_commit on)" } as const;
export type Regime = keyof typeof REGIMES;
/** CPU-bound first, then durable: the order of every table and section. */
export const REGIME_NAMES = Object.keys(REGIMES) as Regime[];
