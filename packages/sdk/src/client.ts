import { createTRPCClient, httpBatchLink, httpLink, splitLink, type TRPCClient, type TRPCLink } from "@trpc/client";
import type { AnyTRPCRouter } from "@trpc/server";
import { IDEMPOTENCY_KEY_HEADER } from "./constants";
import { idempotencyKeyLink } from "./links/idempotencyKeyLink";
import { type RetryLinkOptions, retryLink } from "./links/retryLink";

export interface OncelyClientOptions extends RetryLinkOptions {
  /** The tRPC endpoint, e.g. "http://localhost:4000/trpc" or "/api/trpc". */
  url: string;
  /** Secret API key, sent as `Authorization: Bearer`. Server-side only: never ship it to a browser. */
  apiKey?: string;
  /** Extra headers for every request. */
  headers?: () => Record<string, string> | Promise<Record<string, string>>;
  /** A fetch to use instead of the global one. */
  fetch?: typeof fetch;
}

/**
 * A typed tRPC client whose mutations are safe to retry: each logical mutation gets one
 * idempotency key before its first attempt and every retry sends that same key. Queries
 * are batched; mutations go one per request so each carries its own key.
 */
export function createOncelyClient<TRouter extends AnyTRPCRouter>(options: OncelyClientOptions): TRPCClient<TRouter> {
  const baseHeaders = async () => ({
    ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
    ...(await options.headers?.()),
  });
  // Built for any router (the API speaks plain JSON, no transformer), then typed as TRouter.
  const links: TRPCLink<AnyTRPCRouter>[] = [
    splitLink({
      condition: (op) => op.type === "mutation",
      true: [
        idempotencyKeyLink(),
        retryLink(options),
        httpLink({
          url: options.url,
          fetch: options.fetch,
          headers: async ({ op }) => {
            const key = op.context.idempotencyKey;
            return { ...(await baseHeaders()), ...(key ? { [IDEMPOTENCY_KEY_HEADER]: key } : {}) };
          },
        }),
      ],
      false: [retryLink(options), httpBatchLink({ url: options.url, fetch: options.fetch, headers: baseHeaders })],
    }),
  ];
  return createTRPCClient<TRouter>({ links: links as TRPCLink<TRouter>[] });
}
