"use client";

import type { AppRouter } from "@oncely/api";
import { createOncelyClient } from "@oncely/sdk";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import { type ReactNode, useState } from "react";

// The browser side of the API (create-t3-turbo's trpc/react.tsx). No API key here: the route
// handler at /api/trpc turns the httpOnly session cookie into one on the server.

// @oncely/api's REQUEST_ID_HEADER, copied: importing a value from the API would bundle server code.
const REQUEST_ID_HEADER = "X-Request-Id";

export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();

function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      // Pages are rendered on the server; client queries refresh what changes (the chaos panel).
      queries: { staleTime: 5_000, retry: false },
      // The SDK retries mutations (same key, backoff, Retry-After); TanStack must not add its own.
      mutations: { retry: false },
    },
  });
}

/**
 * `fetch` that names each HTTP attempt with a fresh `X-Request-Id`. A browser resending the
 * same attempt on its own (it does when a kept-alive connection closes before any answer)
 * sends the same id, so the server can tell that resend from the SDK's next attempt.
 */
const fetchWithRequestId: typeof fetch = (input, init) => {
  const headers = new Headers(init?.headers);
  headers.set(REQUEST_ID_HEADER, requestId());
  return fetch(input, { ...init, headers });
};

/** 128 random bits as hex (getRandomValues also works on plain-http origins, randomUUID does not). */
function requestId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

let browserQueryClient: QueryClient | undefined;

function getQueryClient() {
  // On the server a new one per request; in the browser one for the page's lifetime.
  if (typeof window === "undefined") return makeQueryClient();
  browserQueryClient ??= makeQueryClient();
  return browserQueryClient;
}

export function TRPCReactProvider({ children }: { children: ReactNode }) {
  const queryClient = getQueryClient();
  // One Oncely client per page: one retry budget; every mutation gets its idempotency key.
  const [trpcClient] = useState(() => createOncelyClient<AppRouter>({ url: "/api/trpc", fetch: fetchWithRequestId }));
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
