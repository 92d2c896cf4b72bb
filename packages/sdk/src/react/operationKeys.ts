import { isOncelyError } from "../errors";
import { isValidIdempotencyKey, newIdempotencyKey } from "../idempotencyKey";
import { shouldRetry } from "../retryPolicy";

// The key-keeping rules behind useIdempotentMutation, free of React so they can be tested
// (and used) on their own. One logical operation = one input, and it lasts until its outcome
// is known:
// - while a call runs, a second call with the same input joins it (one request, one key);
// - while the outcome is unknown (no answer, timeout, 5xx, 409 in progress, 429, aborted),
//   the same input again reuses the key, also after a reload with persistence, so the server
//   replays instead of acting twice;
// - a final answer (a success, or a refusal such as insufficient funds, which the server
//   stored and would replay for the key's lifetime) ends the operation: the next submit, even
//   of the same input, is a new operation with a new key;
// - a different input, or an explicit reset, starts a new operation too.

/** Where a persisted key lives: `sessionStorage` by default. */
export type OperationKeyStorage = Pick<Storage, "getItem" | "setItem" | "removeItem">;

/** Prefix of the storage entries, e.g. "oncely:operation:checkout". */
export const STORAGE_PREFIX = "oncely:operation:";

export interface OperationKeysOptions {
  /** Persist the current operation under this name so a page reload resumes it. */
  persistAs?: string;
  /** Storage for `persistAs`. Default: `sessionStorage` where there is one (not on a server). */
  storage?: OperationKeyStorage;
  /** Makes new keys. Default: a UUIDv4. */
  newKey?: () => string;
}

export interface OperationKeys {
  /** The current operation's key, if there is one. */
  readonly current: string | undefined;
  /** The key for `input`: the current one if `input` is the current operation's, else a new one. */
  keyFor(input: unknown): string;
  /**
   * Runs `call` with the key for `input`. While a call with that key is still running, a
   * second one joins it (same promise) instead of sending again. When the call ends with a
   * final answer (see `outcomeIsUnknown`) the operation ends and its key is forgotten.
   */
  run<TData>(input: unknown, call: (key: string) => Promise<TData>): Promise<TData>;
  /** Forgets the current operation: the next call starts a new one with a new key. */
  reset(): void;
}

/**
 * Whether a call that failed with `error` may or may not have acted on the server, so the
 * same operation must be sent again with the same key: no answer (network failure, timeout,
 * the caller's abort, an empty retry budget), 5xx, 408, 425, 429 and the 409 "still in
 * progress". Any other answer is final: a stored refusal (422 insufficient funds...) would
 * be replayed for the key's whole lifetime, and a 400, 401, 403 or 404 ran nothing.
 */
export function outcomeIsUnknown(error: unknown): boolean {
  if (isOncelyError(error)) {
    if (error.code === "invalid_idempotency_key") return false; // nothing was sent
    if (error.code !== "server_error") return true; // no answer, timeout, aborted, budget
    return error.retryable;
  }
  return shouldRetry(error);
}

interface Operation {
  key: string;
  fingerprint: string;
}

export function createOperationKeys(options: OperationKeysOptions = {}): OperationKeys {
  const newKey = options.newKey ?? newIdempotencyKey;
  const storage = options.persistAs ? (options.storage ?? defaultStorage()) : undefined;
  const storageName = `${STORAGE_PREFIX}${options.persistAs}`;
  let operation = storage ? load(storage, storageName) : undefined;
  let inFlight: { key: string; promise: Promise<unknown> } | undefined;

  const keyFor = (input: unknown) => {
    const fingerprint = fingerprintOf(input);
    if (operation?.fingerprint === fingerprint) return operation.key;
    operation = { key: newKey(), fingerprint };
    if (storage) save(storage, storageName, operation);
    return operation.key;
  };

  return {
    get current() {
      return operation?.key;
    },
    keyFor,
    run<TData>(input: unknown, call: (key: string) => Promise<TData>): Promise<TData> {
      const key = keyFor(input);
      if (inFlight?.key === key) return inFlight.promise as Promise<TData>;
      const settled = (final: boolean) => {
        if (inFlight?.promise === promise) inFlight = undefined;
        if (final) end(key);
      };
      const promise = call(key).then(
        (data) => {
          settled(true);
          return data;
        },
        (error: unknown) => {
          settled(!outcomeIsUnknown(error));
          throw error;
        },
      );
      inFlight = { key, promise };
      return promise;
    },
    reset,
  };

  /** Ends the operation that `key` belongs to, unless a newer one has replaced it. */
  function end(key: string) {
    if (operation?.key === key) reset();
  }

  function reset() {
    operation = undefined;
    inFlight = undefined;
    if (storage) forget(storage, storageName);
  }
}

/**
 * A short, stable fingerprint of an input: a 53-bit hash (cyrb53) of its canonical JSON, so
 * the stored entry does not hold the input itself. A collision would reuse a key for another
 * input, which the server refuses (422): safe.
 */
export function fingerprintOf(input: unknown): string {
  const text = canonicalJson(input) ?? "undefined";
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/** JSON with object keys sorted, so `{a, b}` and `{b, a}` are the same operation. */
export function canonicalJson(value: unknown): string | undefined {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === "object" && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

function defaultStorage(): OperationKeyStorage | undefined {
  try {
    return typeof sessionStorage === "undefined" ? undefined : sessionStorage;
  } catch {
    return undefined; // e.g. storage disabled in a sandboxed frame
  }
}

// Storage can be full or disabled; persistence is a best effort and never breaks a call.
function load(storage: OperationKeyStorage, name: string): Operation | undefined {
  try {
    const saved = JSON.parse(storage.getItem(name) ?? "null") as Partial<Operation> | null;
    if (isValidIdempotencyKey(saved?.key) && typeof saved?.fingerprint === "string") {
      return { key: saved.key, fingerprint: saved.fingerprint };
    }
  } catch {}
  return undefined;
}

function save(storage: OperationKeyStorage, name: string, operation: Operation): void {
  try {
    storage.setItem(name, JSON.stringify(operation));
  } catch {}
}

function forget(storage: OperationKeyStorage, name: string): void {
  try {
    storage.removeItem(name);
  } catch {}
}
