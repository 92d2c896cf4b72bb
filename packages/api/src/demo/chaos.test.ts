import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { setChaosSettings, withChaos } from "./chaos";

// Timers are faked here, in a file of its own: a database pool's timers must never be faked.

const calm = { failBeforeCommit: 0, dropResponses: 0, latencyMs: 0 };
const demoBefore = process.env.ONCELY_DEMO;
afterEach(() => {
  vi.useRealTimers();
  if (demoBefore === undefined) delete process.env.ONCELY_DEMO;
  else process.env.ONCELY_DEMO = demoBefore;
});

describe("withChaos", () => {
  it("holds an affected mutation for latencyMs before it runs, and a query not at all", async () => {
    process.env.ONCELY_DEMO = "1";
    const principalId = randomUUID();
    setChaosSettings(principalId, { ...calm, latencyMs: 2_000 });
    vi.useFakeTimers();
    try {
      const responseHeaders = new Headers();
      const next = vi.fn(async () => ({ ok: true as const }));
      const query = withChaos(
        { principalId, path: "orders.list", type: "query", requestId: null, responseHeaders },
        next,
      );
      expect(next).toHaveBeenCalledTimes(1);
      await query;
      const mutation = withChaos(
        { principalId, path: "orders.create", type: "mutation", requestId: null, responseHeaders },
        next,
      );
      await vi.advanceTimersByTimeAsync(1_999);
      expect(next).toHaveBeenCalledTimes(1);
      await vi.advanceTimersByTimeAsync(1);
      await mutation;
      expect(next).toHaveBeenCalledTimes(2);
    } finally {
      setChaosSettings(principalId, calm);
    }
  });

  it("does nothing outside demo mode, whatever is set", async () => {
    process.env.ONCELY_DEMO = "1";
    const principalId = randomUUID();
    setChaosSettings(principalId, { ...calm, latencyMs: 5_000 });
    process.env.ONCELY_DEMO = "0";
    const next = vi.fn(async () => ({ ok: true as const }));
    const call = { principalId, path: "orders.create", type: "mutation" as const, requestId: null };
    await withChaos({ ...call, responseHeaders: new Headers() }, next);
    expect(next).toHaveBeenCalledTimes(1);
    process.env.ONCELY_DEMO = "1";
    setChaosSettings(principalId, calm);
  });
});
