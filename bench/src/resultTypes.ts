// What each benchmark writes to bench/results/, and the names of what it measures: shared by
// the benches that write the files and by src/report.ts, which reads them.
import type { DriverCost, DriverVariant } from "./driverStatements";
import type { RoundSample } from "./load";

/** engine-sync-{off,on}.json: bench/src/engine.ts against bench/src/benchServer.ts. */
export const ENGINE_VARIANTS = {
  plain: { baseline: "plain", label: "orders: plain (the handler in `db.transaction`, no middleware)" },
  orderFloor: {
    baseline: "plain",
    label: "orders: plain + the key row with its answer, INSERTed with COMMIT (the floor; not an engine)",
  },
  idempotent: { baseline: "plain", label: "orders: **idempotent** (default: fast path only for keys seen before)" },
  transferPlain: { baseline: "transferPlain", label: "transfers: plain (no middleware)" },
  transferFloor: { baseline: "transferPlain", label: "transfers: plain + the key row with its answer (the floor)" },
  transferIdempotent: { baseline: "transferPlain", label: "transfers: **idempotent**" },
} as const;
export type EngineVariant = keyof typeof ENGINE_VARIANTS;

export interface LatencyPairs {
  pairs: number;
  firstP50: number;
  replayP50: number;
  replayP99: number;
}

export interface EngineResult {
  options: { duration: string; rounds: string; connections: string; samples: string; "synchronous-commit": string };
  transferAccounts: number;
  poolSize: number;
  samples: Record<EngineVariant, RoundSample[]>;
  latency: { default: LatencyPairs; alwaysFastPath: LatencyPairs };
  rawDriverTransactionsPerSecond: number;
}

/** statements.json: bench/src/statements.ts. */
export const STATEMENT_VARIANTS = {
  plain: "plain handler (in `db.transaction`)",
  orderFloor:
    "+ the key row with its answer, INSERTed with COMMIT (the floor of any store in the transaction; not an engine)",
  statementsSavepoint: "+ SAVEPOINT (the middleware's, for business errors to roll back to), alone",
  statementsClaim: "+ claim (the key's advisory lock if free, and its row: one statement)",
  statementsAll: "+ claim + SAVEPOINT + the key row with its answer: all the middleware's statements",
  idempotent: "idempotent procedure (the middleware itself)",
} as const;
export type StatementVariant = keyof typeof STATEMENT_VARIANTS;

export interface StatementsResult {
  options: Record<"duration" | "rounds" | "connections" | "driver-rounds" | "driver-transactions", string>;
  samples: Record<StatementVariant, RoundSample[]>;
  driver: Record<DriverVariant, DriverCost>;
  driverWorkers: number;
}

/** key-table.json: bench/src/keyTable.ts. */
export interface KeyTableResult {
  options: Record<"sizes" | "samples" | "storm" | "sweep-rows" | "traffic-seconds", string>;
  bySize: { rows: number; fillSeconds: number; create: number; replay: number }[];
  storm: { requests: number; executions: number; statuses: Record<string, number>; ms: number };
  sweep: { rows: number; batchSize: number; seconds: number };
  traffic: {
    connections: number;
    before: { requestsPerSecond: number; p50: number; p99: number };
    during: { requestsPerSecond: number; p50: number; p99: number };
  };
}

/** What bench/src/engine.ts wrote at the commits compared (its own format then: ratios only). */
export interface HistoricEngineResult {
  throughputRatio: number;
  cpuRatio: number;
  transferThroughputRatio: number;
  transferCpuRatio: number;
  replayOverFirst: number;
  /** Only at the commit that still had the patched driver's pipelined BEGIN. */
  pipelinedPlainRatio?: number;
}

/** stock-driver.json: bench/src/compareCommits.ts (issue 13: the hot path before and after). */
export interface CommitComparisonResult {
  commits: { before: string; after: string };
  synchronousCommit: string;
  /** What that commit's engine.ts wrote: its ratios (commits of issue 13) or its samples (later ones). */
  runs: { run: number; side: "before" | "after"; commit: string; result: HistoricEngineResult | EngineResult }[];
}

/** One phase of the fairness bench: another principal's reads, one at a time. */
export interface FairnessPhase {
  reads: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** fairness.json: bench/src/fairness.ts (issue 15's duplicate storm). */
export interface FairnessResult {
  duplicates: number;
  stormSeconds: number;
  poolSize: number;
  /** "on": the engine's waiters' bounds (defaults); "off": lifted, as before they existed. */
  configs: Record<
    "on" | "off",
    { quiet: FairnessPhase; storm: FairnessPhase; duplicateAnswers: { conflict: number; other: number } }
  >;
}

/**
 * hand-rolled-sync-{off,on}.json: bench/src/handRolled.ts. Each Oncely variant is compared with
 * its `baseline`, the hand-rolled server doing the same kind of request in the same round.
 */
export const HAND_ROLLED_VARIANTS = {
  oncelyNew: { label: "Oncely: apps/server `orders.create`, new keys", baseline: "handRolledNew" },
  handRolledNew: { label: "hand-rolled keyed order, new keys", baseline: null },
  oncelyNewWorkerElsewhere: {
    label: "Oncely: apps/server `orders.create`, new keys, outbox worker in another process",
    baseline: "handRolledNew",
  },
  oncelyReplay: { label: "Oncely: apps/server `orders.create`, replays", baseline: "handRolledReplay" },
  handRolledReplay: { label: "hand-rolled keyed order, replays", baseline: null },
} as const;
export type HandRolledVariant = keyof typeof HAND_ROLLED_VARIANTS;
export type Side = "oncely" | "handRolled";

export interface HandRolledResult {
  options: Record<
    "duration" | "rounds" | "connections" | "synchronous-commit" | "replay-keys" | "breakdown-requests",
    string
  >;
  synchronousCommit: "on" | "off";
  poolSize: number;
  /** Per sample, `databasePerRequest` holds transactionIds and walBytes (databaseCounters.ts). */
  samples: Record<HandRolledVariant, RoundSample[]>;
}

/** What one request sends to PostgreSQL, counted at a proxy (bench/src/wire.ts). */
export interface WireCounts {
  /** Times the server sent something after an answer from PostgreSQL: round trips. */
  roundTrips: number;
  /** Frontend protocol messages by type (simple query, parse, bind, describe, execute, sync, ...). */
  messages: Record<string, number>;
  bytesToPostgres: number;
  bytesFromPostgres: number;
}

/** One request's cost, counted (bench/src/breakdown.ts); every number is per request. */
export interface RequestBreakdown {
  wire: WireCounts;
  /** pg_stat_database: commits, rollbacks, tuples returned / fetched / inserted / updated / deleted, blocks. */
  database: Record<string, number>;
  /** pg_stat_statements, most calls first. */
  statements: { query: string; calls: number; rows: number; execMs: number }[];
}

/** hand-rolled-breakdown.json: bench/src/handRolled.ts, one request at a time (breakdown.ts). */
export interface BreakdownResult {
  requests: number;
  perRequest: Record<Side, { newKey: RequestBreakdown; replay: RequestBreakdown }>;
}

/** One profiled load (bench/src/profile.ts): what was answered, and self time inside the load. */
export interface ProfileSummary {
  requests: number;
  requestsPerSecond: number;
  sampledMs: number;
  byPackage: { name: string; selfMs: number }[];
  top: { functionName: string; package: string; location: string; selfMs: number }[];
}

/** profile.json: bench/src/profile.ts, one apps/server process per load: new keys, then replays. */
export interface ProfileResult {
  options: Record<"duration" | "connections" | "warmup" | "top" | "replay-keys", string>;
  newKeys: ProfileSummary;
  replays: ProfileSummary;
}

/** sdk-overhead.json: packages/sdk's own overhead bench, its table kept as it printed it. */
export interface SdkOverheadResult {
  section: string;
  medianRatios: Record<string, number>;
}
