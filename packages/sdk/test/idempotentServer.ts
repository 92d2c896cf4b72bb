import { createOncelyClient, type OncelyClientOptions, REPLAYED_HEADER } from "../src";
import type { TestRouter } from "./scriptedFetch";

type Fault = "drop-after-commit" | "fail-before-commit";

/**
 * An in-memory stand-in for the Oncely server's key store, behind a fetch: the first request
 * with a key runs (pays, one effect, or is declined when the amount is above the balance)
 * and stores its answer, a success or the refusal; later ones replay it with
 * `Idempotent-Replayed: true`. Faults can drop the answer after the commit or fail before it
 * (503, nothing stored), and a gate can hold answers back to keep calls pending.
 */
export function idempotentServer() {
  const stored = new Map<string, { status: number; body: unknown }>();
  const keys: (string | null)[] = [];
  const faults: Fault[] = [];
  let gate: Promise<void> | undefined;
  let effects = 0;
  let balance = Number.POSITIVE_INFINITY;

  const run = (amount: number) => {
    if (amount > balance) {
      const data = { code: "UNPROCESSABLE_CONTENT", httpStatus: 422, oncelyCode: "insufficient_funds" };
      return { status: 422, body: { error: { message: "insufficient funds", code: -32022, data } } };
    }
    balance -= amount;
    effects += 1;
    return { status: 200, body: { result: { data: { paid: amount, effect: effects } } } };
  };

  const fetch = async (_input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const key = new Headers(init?.headers).get("idempotency-key");
    keys.push(key);
    const input = JSON.parse(String(init?.body)) as { amount: number };
    const fault = faults.shift();
    const replayed = key !== null && stored.has(key);
    let answer = key === null ? undefined : stored.get(key);
    if (!answer) {
      if (fault === "fail-before-commit") {
        const data = { code: "SERVICE_UNAVAILABLE", httpStatus: 503 };
        answer = { status: 503, body: { error: { message: "failed before commit", code: -32603, data } } };
      } else {
        answer = run(input.amount);
        if (key !== null) stored.set(key, answer);
      }
    }
    if (gate) await gate;
    if (fault === "drop-after-commit") throw new TypeError("fetch failed");
    return new Response(JSON.stringify(answer.body), {
      status: answer.status,
      headers: { "content-type": "application/json", ...(replayed ? { [REPLAYED_HEADER]: "true" } : {}) },
    });
  };

  return {
    fetch: fetch as typeof globalThis.fetch,
    /** Idempotency keys of every request, in order. */
    keys,
    effects: () => effects,
    inject: (...next: Fault[]) => faults.push(...next),
    /** Payments above the balance are declined (a refusal stored under the key). */
    setBalance: (value: number) => {
      balance = value;
    },
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
