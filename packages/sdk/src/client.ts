import { createTRPCClient, httpBatchLink, httpLink, splitLink, type TRPCClient, type TRPCLink } from "@trpc/client";
import type { AnyTRPCRouter } from "@trpc/server";
import type { AttemptEvent } from "./callMeta";
import { IDEMPOTENCY_KEY_HEADER } from "./constants";
import { gatewayAwareFetch } from "./gatewayFetch";
import { idempotencyKeyLink } from "./links/idempotencyKeyLink";
import { oncelyRetryLink } from "./links/oncelyRetryLink";
import { RetryBudget, type RetryBudgetOptions } from "./retryBudget";
import type { RetryPolicy } from "./retryPolicy";

export interface OncelyClientOptions {
  /** The tRPC endpoint, e.g. "http://localhost:4000/trpc" or "/api/trpc". */
  url: string;
  /** Secret API key, sent as `Authorization: Bearer`. Server-side only: never ship it to a browser. */
  apiKey?: string;
  /** Extra headers for every request. */
  headers?: () => Record<string, string> | Promise<Record<string, string>>;
  /** A fetch to use instead of the global one. */
  fetch?: typeof fetch;
  /** Overrides of the retry policy (defaults in DEFAULT_RETRY_POLICY). */
  policy?: Partial<RetryPolicy>;
  /** Retry queries too (they carry no key; safe for reads only). Default false. */
  retryQueries?: boolean;
  /** Called for each failed attempt that will be retried, for every call of this client. */
  onAttempt?: (event: AttemptEvent) => void;
  /**
   * The retry budget: options for this client's own token bucket (default 500 tokens, 5 per
   * retry, 10 per retry after a timeout), a `RetryBudget` to share between clients, or `false`
   * for none.
   */
  retryBudget?: Partial<RetryBudgetOptions> | RetryBudget | false;
  /** Most queries sent in one batched request (the Oncely API refuses more than 20). Default 20. */
  maxBatchSize?: number;
}

/** Queries per batched request, by default: what an Oncely server accepts (its `maxBatchSize`). */
export const DEFAULT_MAX_BATCH_SIZE = 20;

/**
 * A typed tRPC client whose mutations are safe to retry: each logical mutation gets one
 * idempotency key before its first attempt and every retry sends that same key. Queries
 * are batched; mutations go one per request so each carries its own key.
 */
export function createOncelyClient<TRouter extends AnyTRPCRouter>(options: OncelyClientOptions): TRPCClient<TRouter> {
  const fetch = gatewayAwareFetch(options.fetch);
  const budget =
    options.retryBudget === false
      ? undefined
      : options.retryBudget instanceof RetryBudget
        ? options.retryBudget
        : new RetryBudget(options.retryBudget);
  const retry = { policy: options.policy, retryQueries: options.retryQueries, onAttempt: options.onAttempt, budget };
  const apiKeyHeader: Record<string, string> = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
  // Plain objects when there is no headers function: no extra promise on every call.
  const baseHeaders = (): Record<string, string> | Promise<Record<string, string>> => {
    const extra = options.headers?.();
    if (extra === undefined) return apiKeyHeader;
    return Promise.resolve(extra).then((headers) => ({ ...apiKeyHeader, ...headers }));
  };
  const withKey = (headers: Record<string, string>, key: string | undefined) =>
    key ? { ...headers, [IDEMPOTENCY_KEY_HEADER]: key } : headers;
  // Built for any router (the API speaks plain JSON, no transformer), then typed as TRouter.
  const links: TRPCLink<AnyTRPCRouter>[] = [
    splitLink({
      condition: (op) => op.type === "mutation",
      true: [
        idempotencyKeyLink(),
        oncelyRetryLink(retry),
        httpLink({
          url: options.url,
          fetch,
          headers: ({ op }) => {
            const headers = baseHeaders();
            const key = op.context.idempotencyKey;
            return headers instanceof Promise ? headers.then((h) => withKey(h, key)) : withKey(headers, key);
          },
        }),
      ],
      false: [
        oncelyRetryLink(retry),
        httpBatchLink({
          url: options.url,
          fetch,
          headers: baseHeaders,
          maxItems: options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
        }),
      ],
    }),
  ];
  return createTRPCClient<TRouter>({ links: links as TRPCLink<TRouter>[] });
}
