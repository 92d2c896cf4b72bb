import { REPLAYED_HEADER } from "./constants";
import type { OncelyCallContext } from "./operationContext";

/** One report per failed attempt that will be retried (for logs and progress UIs). */
export interface AttemptEvent {
  /** The procedure, e.g. "orders.create". */
  path: string;
  /** The attempt that just failed (1-based). */
  attempt: number;
  /** The idempotency key every attempt of this call carries (mutations). */
  key: string | undefined;
  /** How long the client waits before the next attempt. */
  delayMs: number;
  /** Why the attempt failed. */
  error: unknown;
}

/** What a call's caller can learn besides its data. */
export interface CallMeta {
  /** The idempotency key every attempt carried (undefined for queries). */
  key: string | undefined;
  /** Attempts sent, the successful one included. */
  attempts: number;
  /** True when the server answered from its key store (`Idempotent-Replayed: true`). */
  replayed: boolean;
}

export interface CallResult<TData> extends CallMeta {
  data: TData;
}

/**
 * Runs one client call and resolves with its data plus how it went. The call keeps its own
 * types: pass the given context on to `mutate`/`query`.
 *
 * ```ts
 * const { data, key, attempts, replayed } = await withMeta((context) =>
 *   oncely.orders.create.mutate(input, { context }),
 * );
 * ```
 *
 * `context` adds to what is passed on, e.g. `{ idempotencyKey: savedKey }`.
 */
export async function withMeta<TData>(
  call: (context: OncelyCallContext) => Promise<TData>,
  context: OncelyCallContext = {},
): Promise<CallResult<TData>> {
  let meta: CallMeta | undefined;
  const data = await call({
    ...context,
    onMeta: (reported) => {
      meta = reported;
      context.onMeta?.(reported);
    },
  });
  if (!meta) {
    throw new Error("withMeta: the call did not report its meta; pass the context to an Oncely client's mutate/query");
  }
  return { data, ...meta };
}

/** Whether a result envelope's HTTP response says it was replayed from the key store. */
export function isReplayed(envelopeContext: Record<string, unknown> | undefined): boolean {
  const response = envelopeContext?.response as { headers?: Headers } | undefined;
  return response?.headers?.get(REPLAYED_HEADER) === "true";
}
