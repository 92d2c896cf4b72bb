import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { DEFAULT_RETRY_POLICY } from "@oncely/sdk";
import type { ServerInstance } from "./instances";

/** What one probe call was, and how it ended. */
export interface ProbeRecord {
  instance: string;
  path: ProbeCall["path"];
  sentAt: number;
  /** When the answer (or the failure) came. */
  endedAt: number;
  /** HTTP status, or "timeout" (no answer within the SDK's attempt timeout), or "no answer". */
  status: number | "timeout" | "no answer";
  retryAfter: string | null;
  oncelyCode: string | undefined;
}

interface ProbeCall {
  path: "accounts.list" | "orders.cancel" | "payments.create";
  method: "GET" | "POST";
  body?: string;
  key?: string;
}

/**
 * What the probe sends, in turn: a query, a mutation outside the idempotency engine and a
 * keyed mutation through it. The ids are random, so the two mutations write nothing: with the
 * database there they are a 404, without it they must be a 503.
 */
const CALLS: (() => ProbeCall)[] = [
  () => ({ path: "accounts.list", method: "GET" }),
  () => ({ path: "orders.cancel", method: "POST", body: JSON.stringify({ orderId: randomUUID() }) }),
  () => ({
    path: "payments.create",
    method: "POST",
    body: JSON.stringify({ orderId: randomUUID() }),
    key: randomUUID(),
  }),
];

/** Pause between two calls to one instance (ms): the resolution of the recovery times. */
export const PROBE_EVERY_MS = 200;

/** An answer that needed the database: it is there. */
export const servedByDatabase = (record: ProbeRecord) => record.status === 200 || record.status === 404;

export interface DbProbe {
  records: ProbeRecord[];
  stop: () => Promise<void>;
}

/**
 * While `active()` says so (a database fault and the recovery after it), sends one call at a
 * time to each instance directly (not through the faulty balancer, whose own faults would
 * blur the picture), waiting PROBE_EVERY_MS between calls, and records each answer. A call gets
 * the SDK's default attempt timeout (10 s): an answer later than that is a hang.
 * Frozen instances are skipped (a SIGSTOPped process answers nothing, whatever the database does).
 */
export function startDbProbe(options: { instances: ServerInstance[]; active: () => boolean }): DbProbe {
  const timeoutMs = DEFAULT_RETRY_POLICY.attemptTimeoutMs;
  const records: ProbeRecord[] = [];
  let stopped = false;

  const probeOne = async (instance: ServerInstance, turn: number) => {
    const origin = instance.origin;
    const call = CALLS[turn % CALLS.length]?.() as ProbeCall;
    if (!origin) return;
    const headers: Record<string, string> = { authorization: "Bearer sk_test_alice" };
    if (call.body) headers["content-type"] = "application/json";
    if (call.key) headers["idempotency-key"] = call.key;
    const sentAt = Date.now();
    const record: ProbeRecord = {
      instance: instance.name,
      path: call.path,
      sentAt,
      endedAt: sentAt,
      status: "no answer",
      retryAfter: null,
      oncelyCode: undefined,
    };
    try {
      const response = await fetch(`${origin}/trpc/${call.path}`, {
        method: call.method,
        headers,
        body: call.body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      record.status = response.status;
      record.retryAfter = response.headers.get("retry-after");
      try {
        record.oncelyCode = JSON.parse(text)?.error?.data?.oncelyCode;
      } catch {
        // Not JSON: the status says enough.
      }
    } catch (error) {
      record.status = (error as Error).name === "TimeoutError" ? "timeout" : "no answer";
    }
    record.endedAt = Date.now();
    // A process that was killed or frozen meanwhile says nothing about the database.
    if (instance.origin === origin && !instance.frozen) records.push(record);
  };

  const loops = options.instances.map(async (instance) => {
    for (let turn = 0; !stopped; turn++) {
      if (options.active() && instance.state === "up" && !instance.frozen) await probeOne(instance, turn);
      await sleep(PROBE_EVERY_MS);
    }
  });
  return {
    records,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
    },
  };
}
