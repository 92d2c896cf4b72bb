import { createOncelyClient, type OncelyClientOptions, REPLAYED_HEADER } from "../src";
import type { TestRouter } from "./scriptedFetch";

/**
 * An in-memory stand-in for the Oncely server's key store, behind a fetch: the first request
 * with a key "pays" (one effect) and stores the answer; later ones replay it with
 * `Idempotent-Replayed: true`. Faults can drop the answer after the effect, and a gate can hold
 * answers back to keep calls pending.
 */
export function idempotentServer() {
  const stored = new Map<string, unknown>();
  const keys: (string | null)[] = [];
  const faults: "drop-after-commit"[] = [];
  let gate: Promise<void> | undefined;
  let effects = 0;

  const fetch = async (_input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const key = new Headers(init?.headers).get("idempotency-key");
    keys.push(key);
    const input = JSON.parse(String(init?.body)) as { amount: number };
    const replayed = key !== null && stored.has(key);
    if (!replayed) {
      effects += 1;
      if (key !== null) stored.set(key, { paid: input.amount, effect: effects });
    }
    const data = key === null ? { paid: input.amount, effect: effects } : stored.get(key);
    if (gate) await gate;
    if (faults.shift() === "drop-after-commit") throw new TypeError("fetch failed");
    return new Response(JSON.stringify({ result: { data } }), {
      headers: { "content-type": "application/json", ...(replayed ? { [REPLAYED_HEADER]: "true" } : {}) },
    });
  };

  return {
    fetch: fetch as typeof globalThis.fetch,
    /** Idempotency keys of every request, in order. */
    keys,
    effects: () => effects,
    inject: (...next: "drop-after-commit"[]) => faults.push(...next),
    /** Holds every answer until the returned function is called. */
    hold: () => {
      let release = () => {};
      gate = new Promise((resolve) => {
        release = () => {
          gate = undefined;
          resolve();
        };
      });
      return release;
    },
    client: (options: Partial<OncelyClientOptions> = {}) =>
      createOncelyClient<TestRouter>({
        url: "http://oncely.test/trpc",
        fetch: fetch as typeof globalThis.fetch,
        ...options,
      }),
  };
}
