import type { Database } from "@oncely/db";
import { appRouter } from "../root";
import { createCallerFactory, createContext } from "../trpc";
import { createPrincipalResolver } from "./auth";

const createCaller = createCallerFactory(appRouter);

/**
 * Server-side caller for React Server Components and scripts: runs procedures in-process
 * with the same context, auth and middleware as HTTP requests. Returns a function that takes
 * the request's `Headers` (with `Authorization: Bearer <api key>`) and gives a typed caller.
 * Create it once per process (it holds the principal cache).
 */
export function createServerCaller(options: { db: Database }) {
  const resolvePrincipal = createPrincipalResolver(options.db);
  return (headers: Headers) => createCaller(createContext({ db: options.db, resolvePrincipal, headers }));
}

export type ServerCaller = ReturnType<ReturnType<typeof createServerCaller>>;
