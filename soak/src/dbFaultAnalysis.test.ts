import { describe, expect, it } from "vitest";
import { analyseDbFaults, percentile } from "./dbFaultAnalysis";
import type { DbFault } from "./dbFaults";
import type { ProbeRecord } from "./dbProbe";

/** The database-fault checks must be able to fail: fabricated probe answers, each kind of breach. */

const fault: DbFault = { kind: "kill-9", startedAt: 1_000, backAt: 4_000 };

const answer = (instance: string, sentAt: number, endedAt: number, status: ProbeRecord["status"], extra = {}) =>
  ({
    instance,
    path: "accounts.list",
    sentAt,
    endedAt,
    status,
    retryAfter: null,
    oncelyCode: undefined,
    ...extra,
  }) satisfies ProbeRecord;
const unavailable = (instance: string, sentAt: number) =>
  answer(instance, sentAt, sentAt + 5, 503, { retryAfter: "1", oncelyCode: "database_unavailable" });

describe("analyseDbFaults", () => {
  it("a clean fault: 503s with Retry-After while away, then answers; recovery from the database's return", () => {
    const records = [
      unavailable("a", 1_100),
      unavailable("b", 2_000),
      answer("a", 4_050, 4_100, 200),
      answer("b", 3_900, 4_300, 404), // sent while away, answered from the database once it was back
    ];
    const { broken, notRecovered, findings, recovery } = analyseDbFaults([fault], records, ["a", "b"]);
    expect(broken).toEqual([]);
    expect(notRecovered).toEqual([]);
    expect(findings[0]?.whileAway).toEqual({ calls: 3, served: 1, retryable503: 2, broken: 0 });
    expect(findings[0]?.recoveryMs).toEqual({ a: 100, b: 300 });
    expect(recovery).toEqual({ samples: 2, p50: 100, p99: 300, max: 300 });
  });

  it.each([
    ["a 500", answer("a", 1_500, 1_510, 500)],
    ["a 503 without Retry-After", answer("a", 1_500, 1_510, 503, { oncelyCode: "database_unavailable" })],
    ["a 503 with an unknown code", answer("a", 1_500, 1_510, 503, { retryAfter: "1", oncelyCode: "oops" })],
    ["a hang past the attempt timeout", answer("a", 1_500, 11_500, "timeout")],
    ["no answer at all", answer("a", 1_500, 1_501, "no answer")],
    ["a 401", answer("a", 1_500, 1_510, 401)],
  ])("%s is a broken promise", (_label, record) => {
    const { broken, findings } = analyseDbFaults([fault], [record, answer("a", 4_100, 4_200, 200)], ["a"]);
    expect(broken).toEqual([record]);
    expect(findings[0]?.whileAway.broken).toBe(1);
  });

  it("an instance with no answer from the database after its return did not recover", () => {
    const records = [unavailable("a", 1_100), answer("a", 4_100, 4_200, 200), unavailable("b", 4_100)];
    const { notRecovered, findings } = analyseDbFaults([fault], records, ["a", "b"]);
    expect(notRecovered).toEqual([expect.stringContaining(": b")]);
    expect(findings[0]?.recoveryMs).toEqual({ a: 200, b: null });
  });

  it("an answer from before the fault does not count as recovery", () => {
    const { notRecovered } = analyseDbFaults([fault], [answer("a", 900, 4_500, 200)], ["a"]);
    expect(notRecovered).toHaveLength(1);
  });

  it("percentile is nearest-rank", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(values, 50), percentile(values, 99), percentile([], 50)]).toEqual([50, 99, null]);
  });
});
