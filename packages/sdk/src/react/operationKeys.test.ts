import { TRPCClientError } from "@trpc/client";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OncelyError } from "../errors";
import {
  canonicalJson,
  createOperationKeys,
  fingerprintOf,
  type OperationKeyStorage,
  outcomeIsUnknown,
  STORAGE_PREFIX,
} from "./operationKeys";

function memoryStorage(): OperationKeyStorage & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    getItem: (name) => entries.get(name) ?? null,
    setItem: (name, value) => void entries.set(name, value),
    removeItem: (name) => void entries.delete(name),
  };
}

const order = { accountId: "a1", amount: 1999, currency: "USD" };

describe("createOperationKeys", () => {
  it("keeps one key for one input, and makes a new one for new input", () => {
    const keys = createOperationKeys();
    expect(keys.current).toBeUndefined();
    const first = keys.keyFor(order);
    expect(keys.keyFor({ ...order })).toBe(first);
    expect(keys.keyFor({ currency: "USD", amount: 1999, accountId: "a1" })).toBe(first);
    const second = keys.keyFor({ ...order, amount: 2000 });
    expect(second).not.toBe(first);
    expect(keys.current).toBe(second);
  });

  it("makes a new key after reset, even for the same input", () => {
    const keys = createOperationKeys();
    const first = keys.keyFor(order);
    keys.reset();
    expect(keys.current).toBeUndefined();
    expect(keys.keyFor(order)).not.toBe(first);
  });

  it("joins a second call with the same key while the first is running", async () => {
    const keys = createOperationKeys();
    let calls = 0;
    let finish: (value: string) => void = () => {};
    const call = (key: string) => {
      calls += 1;
      return new Promise<string>((resolve) => {
        finish = (value) => resolve(`${value}:${key}`);
      });
    };
    const first = keys.run(order, call);
    const second = keys.run({ ...order }, call);
    expect(second).toBe(first);
    const key = keys.current;
    finish("done");
    expect(await second).toBe(`done:${key}`);
    expect(calls).toBe(1);
  });

  it("ends the operation with a success or a final refusal, and keeps it while the outcome is unknown", async () => {
    const storage = memoryStorage();
    const keys = createOperationKeys({ persistAs: "checkout", storage });
    const seen: string[] = [];
    const failWith = (error: unknown) => async (key: string) => {
      seen.push(key);
      throw error;
    };
    const unknown = [
      new OncelyError({ code: "network_error", message: "no answer", attempts: 5, retryable: true }),
      new OncelyError({ code: "timeout", message: "too slow", attempts: 5, retryable: true }),
      new OncelyError({ code: "aborted", message: "stopped", attempts: 1 }),
      new OncelyError({ code: "retry_budget_exhausted", message: "empty", attempts: 1, retryable: true }),
      new OncelyError({ code: "server_error", message: "503", attempts: 5, retryable: true }),
    ];
    for (const error of unknown) await expect(keys.run(order, failWith(error))).rejects.toBe(error);
    expect(new Set(seen).size).toBe(1);
    expect(storage.entries.size).toBe(1);

    const refusal = new OncelyError({ code: "server_error", message: "insufficient funds", attempts: 1 });
    await expect(keys.run(order, failWith(refusal))).rejects.toBe(refusal);
    expect(keys.current).toBeUndefined();
    expect(storage.entries.size).toBe(0);

    await keys.run(order, async (key) => void seen.push(key));
    expect(seen.at(-1)).not.toBe(seen[0]);
    expect(keys.current).toBeUndefined();
    await keys.run(order, async (key) => void seen.push(key));
    expect(new Set(seen).size).toBe(3);
  });

  it("does not end a newer operation when an older one's answer comes in", async () => {
    const keys = createOperationKeys();
    let finish: () => void = () => {};
    const older = keys.run(order, () => new Promise<void>((resolve) => (finish = resolve)));
    await keys.run({ ...order, amount: 1 }, async () => {}).catch(() => {});
    const newer = keys.keyFor({ ...order, amount: 2 });
    finish();
    await older;
    expect(keys.current).toBe(newer);
  });

  it("sends again, with the same key, once the first call has failed (a lost answer)", async () => {
    const keys = createOperationKeys();
    const seen: string[] = [];
    await expect(
      keys.run(order, async (key) => {
        seen.push(key);
        throw new Error("network error");
      }),
    ).rejects.toThrow("network error");
    await keys.run(order, async (key) => seen.push(key));
    expect(seen).toHaveLength(2);
    expect(seen[1]).toBe(seen[0]);
  });

  it("does not join a call for other input: that is another operation", async () => {
    const keys = createOperationKeys();
    const seen: string[] = [];
    const call = async (key: string) => void seen.push(key);
    await Promise.all([keys.run(order, call), keys.run({ ...order, amount: 1 }, call)]);
    expect(new Set(seen).size).toBe(2);
  });

  it("persists the operation so a reload resumes it, and forgets it on reset", () => {
    const storage = memoryStorage();
    const before = createOperationKeys({ persistAs: "checkout", storage });
    const key = before.keyFor(order);
    expect([...storage.entries.keys()]).toEqual([`${STORAGE_PREFIX}checkout`]);
    expect(storage.entries.get(`${STORAGE_PREFIX}checkout`)).not.toContain("1999");

    const afterReload = createOperationKeys({ persistAs: "checkout", storage });
    expect(afterReload.current).toBe(key);
    expect(afterReload.keyFor(order)).toBe(key);
    expect(createOperationKeys({ persistAs: "other", storage }).current).toBeUndefined();

    afterReload.reset();
    expect(storage.entries.size).toBe(0);
    expect(createOperationKeys({ persistAs: "checkout", storage }).current).toBeUndefined();
  });

  it("ignores a damaged or refused storage and keeps working in memory", () => {
    const storage = memoryStorage();
    storage.setItem(`${STORAGE_PREFIX}checkout`, "{not json");
    expect(createOperationKeys({ persistAs: "checkout", storage }).current).toBeUndefined();
    storage.setItem(`${STORAGE_PREFIX}checkout`, JSON.stringify({ key: "bad key", fingerprint: "x" }));
    expect(createOperationKeys({ persistAs: "checkout", storage }).current).toBeUndefined();

    const refusing: OperationKeyStorage = {
      getItem: () => {
        throw new Error("SecurityError");
      },
      setItem: () => {
        throw new Error("QuotaExceededError");
      },
      removeItem: () => {
        throw new Error("SecurityError");
      },
    };
    const keys = createOperationKeys({ persistAs: "checkout", storage: refusing });
    const key = keys.keyFor(order);
    expect(keys.keyFor(order)).toBe(key);
    expect(() => keys.reset()).not.toThrow();
  });

  it("works where there is no sessionStorage (a server render)", () => {
    expect(typeof sessionStorage).toBe("undefined");
    const keys = createOperationKeys({ persistAs: "checkout" });
    expect(keys.keyFor(order)).toBe(keys.keyFor(order));
  });
});

describe("outcomeIsUnknown", () => {
  it("is true for no answer and retryable statuses, false for other answers", () => {
    const answer = (status: number, oncelyCode?: string) =>
      new TRPCClientError("answer", {
        result: { error: { message: "x", code: -32600, data: { httpStatus: status, oncelyCode } } },
      });
    for (const status of [408, 425, 429, 500, 502, 503, 504])
      expect(outcomeIsUnknown(answer(status)), `${status}`).toBe(true);
    expect(outcomeIsUnknown(answer(409, "idempotency_key_in_progress"))).toBe(true);
    expect(outcomeIsUnknown(new TypeError("fetch failed"))).toBe(true);
    for (const status of [400, 401, 403, 404, 412, 422])
      expect(outcomeIsUnknown(answer(status)), `${status}`).toBe(false);
    expect(outcomeIsUnknown(answer(409, "version_mismatch"))).toBe(false);
    const badKey = new OncelyError({ code: "invalid_idempotency_key", message: "bad", attempts: 0 });
    expect(outcomeIsUnknown(badKey)).toBe(false);
  });
});

describe("fingerprintOf", () => {
  it("ignores key order at every depth and tells different inputs apart (property)", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (value) => {
        const reversed = Object.fromEntries(Object.entries(value).reverse());
        expect(fingerprintOf(reversed)).toBe(fingerprintOf(value));
        expect(fingerprintOf([value])).not.toBe(fingerprintOf(value));
      }),
    );
    expect(canonicalJson({ b: { d: 1, c: 2 }, a: [2, 1] })).toBe('{"a":[2,1],"b":{"c":2,"d":1}}');
    expect(fingerprintOf(undefined)).toBe(fingerprintOf(undefined));
  });
});
