import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "./api/appRouter";
import { createOncelyClient, type OncelyClientOptions } from "./client";

export type { AppRouter } from "./api/appRouter";

/** Every procedure's input: `OncelyApiInputs["orders"]["create"]`. */
export type OncelyApiInputs = inferRouterInputs<AppRouter>;
/** Every procedure's output: `OncelyApiOutputs["orders"]["create"]` is an order. */
export type OncelyApiOutputs = inferRouterOutputs<AppRouter>;

/**
 * A client of a running Oncely API server (apps/server), typed with Oncely's own router: the
 * same client and options as `createOncelyClient`, without importing the server's code.
 *
 *   const api = createOncelyApiClient({ url: "http://localhost:4000/trpc", apiKey: process.env.ONCELY_API_KEY });
 *   const order = await api.orders.create.mutate({ accountId, amount: 1999, currency: "USD" });
 */
export function createOncelyApiClient(options: OncelyClientOptions) {
  return createOncelyClient<AppRouter>(options);
}

export type OncelyApiClient = ReturnType<typeof createOncelyApiClient>;
