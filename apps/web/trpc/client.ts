import type { AppRouter } from "@oncely/api";
import { createOncelyClient } from "@oncely/sdk";

// Browser side of the API. No API key here: the route handler at /api/trpc turns the
// httpOnly session cookie into one on the server.

let client: ReturnType<typeof createOncelyClient<AppRouter>> | undefined;

/** The page's one client (one retry budget), created on first use in the browser. */
export function browserClient() {
  client ??= createOncelyClient<AppRouter>({ url: "/api/trpc" });
  return client;
}
