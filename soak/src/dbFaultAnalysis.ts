import { parseRetryAfter } from "@oncely/sdk";
import type { DbFault } from "./dbFaults";
import { type ProbeRecord, servedByDatabase } from "./dbProbe";

/** The codes a "database away" 503 may carry: the API's own and the idempotency engine's. */
const AWAY_CODES = new Set(["database_unavailable", "request_timeout", "transient_failure"]);

/** A 503 the SDK retries, and when: Retry-After present and readable, a known code. */
const retryable503 = (record: ProbeRecord) =>
  record.status === 503 &&
  parseRetryAfter(record.retryAfter ?? undefined) !== undefined &&
  AWAY_CODES.has(record.oncelyCode ?? "");

/**
 * A probe answer that breaks the promise: anything but an answer from the database (200, or
 * 404 for the random ids) or a retryable 503. A 500, a 503 without Retry-After, no answer
 * within the SDK's attempt timeout (a hang), no answer at all (the process died), a 401...
 */
const brokenPromise = (record: ProbeRecord) => !servedByDatabase(record) && !retryable503(record);

export interface FaultFindings {
  fault: DbFault;
  /** Probe calls sent while the database was away (from the fault until it was back). */
  whileAway: { calls: number; served: number; retryable503: number; broken: number };
  /** Per instance: ms from the database being back to its first answer from the database; null: none. */
  recoveryMs: Record<string, number | null>;
}

export interface DbFaultAnalysis {
  findings: FaultFindings[];
  /** Recovery times over every fault and instance (ms). */
  recovery: { samples: number; p50: number | null; p99: number | null; max: number | null };
  /** Every probe answer that broke the promise, at any time. */
  broken: ProbeRecord[];
  /** Fault and instance pairs that did not serve again before the recovery wait ran out. */
  notRecovered: string[];
}

/**
 * Ms from the fault's database being back to the first answer from the database the instance
 * gave after it (to a call sent since the fault); null: none (yet), or the database never came back.
 */
function recoveryMsOf(fault: DbFault, instance: string, records: ProbeRecord[]): number | null {
  const back = fault.backAt;
  if (back === undefined) return null;
  const ends = records
    .filter((r) => r.instance === instance && r.sentAt >= fault.startedAt && r.endedAt >= back && servedByDatabase(r))
    .map((r) => r.endedAt);
  return ends.length > 0 ? Math.min(...ends) - back : null;
}

/** Whether every instance has answered from the database since this fault's database came back. */
export function everyInstanceServes(fault: DbFault, instances: string[], records: ProbeRecord[]): boolean {
  return instances.every((instance) => recoveryMsOf(fault, instance, records) !== null);
}

/** Nearest-rank percentile of `values` (sorted here); null when there are none. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? null;
}

export function analyseDbFaults(faults: DbFault[], records: ProbeRecord[], instances: string[]): DbFaultAnalysis {
  const recoveries: number[] = [];
  const notRecovered: string[] = [];
  const findings = faults.map((fault): FaultFindings => {
    const back = fault.backAt ?? Number.POSITIVE_INFINITY;
    const away = records.filter((r) => r.sentAt >= fault.startedAt && r.sentAt < back);
    const recoveryMs: Record<string, number | null> = {};
    for (const instance of instances) {
      const recovery = recoveryMsOf(fault, instance, records);
      recoveryMs[instance] = recovery;
      if (recovery !== null) recoveries.push(recovery);
      else notRecovered.push(`${fault.kind} at ${new Date(fault.startedAt).toISOString()}: ${instance}`);
    }
    return {
      fault,
      whileAway: {
        calls: away.length,
        served: away.filter(servedByDatabase).length,
        retryable503: away.filter(retryable503).length,
        broken: away.filter(brokenPromise).length,
      },
      recoveryMs,
    };
  });
  return {
    findings,
    recovery: {
      samples: recoveries.length,
      p50: percentile(recoveries, 50),
      p99: percentile(recoveries, 99),
      max: recoveries.length ? Math.max(...recoveries) : null,
    },
    broken: records.filter(brokenPromise),
    notRecovered,
  };
}
