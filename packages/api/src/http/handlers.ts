import type { IncomingHttpHeaders, RequestListener } from "node:http";
import type { Database } from "@oncely/db";
import { oncelyResponseMeta } from "@oncely/idempotency";
import type { TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import type { TRPCRequestInfo } from "@trpc/server/http";
import { appRouter } from "../root";
import { createContext } from "../trpc";
import { createPrincipalResolver, type PrincipalResolver } from "./auth";
import { limitRequestBody } from "./bodyLimit";
import { observeRequest, type RequestObserver } from "./observe";
import { type RequestScope, scopeOf } from "./requestScope";

/** Largest request body accepted (bytes); larger is a 413 before any work. */
export const MAX_BODY_BYTES = 100 * 1024;

/**
 * Most calls one HTTP request may batch (`/trpc/a,b,c?batch=1`); more is a 400 before any
 * runs. Each call is a transaction: one POST of 1,000 `orders.cancel` calls held a
 * connection for 3 s while other principals waited.
 */
export const DEFAULT_MAX_BATCH_SIZE = 20;

export interface ApiHandlerOptions {
  db: Database;
  /** A call not done within this long is answered 503 + Retry-After (ms). Default 8000. */
  requestTimeoutMs?: number;
  /** Most calls per batched request; more is a 400 (tRPC's `maxBatchSize`). Default 20. */
  maxBatchSize?: number;
  /** Called with every error a procedure raised (for logs). */
  onError?: (error: { path: string | undefined; code: string; error: Error }) => void;
}

export interface NodeHandlerOptions extends ApiHandlerOptions {
  /** Where the API is mounted. Default "/trpc/". */
  basePath?: string;
  /**
   * Called once per request after its answer is sent: procedure(s), outcome, status, timings,
   * principal, idempotency key, replayed, X-Request-Id (observe.ts). For logs and metrics.
   */
  onRequest?: RequestObserver;
}

function shared(options: ApiHandlerOptions) {
  const resolvePrincipal: PrincipalResolver = createPrincipalResolver(options.db);
  return {
    router: appRouter,
    // Sends what procedures put in ctx.responseHeaders (Idempotent-Replayed, Retry-After).
    responseMeta: oncelyResponseMeta,
    maxBatchSize: options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
    context: (headers: Headers, info: TRPCRequestInfo, scope?: RequestScope) =>
      createContext({
        db: options.db,
        resolvePrincipal,
        headers,
        callsInRequest: info.calls.length,
        requestTimeoutMs: options.requestTimeoutMs,
        scope,
      }),
    onError: ({ path, error, ctx }: { path: string | undefined; error: TRPCError; ctx?: { scope?: RequestScope } }) => {
      ctx?.scope?.errors.push({ path, error });
      options.onError?.({ path, code: error.code, error });
    },
  };
}

/** Node `http` request listener serving the AppRouter (the standalone adapter). */
export function createNodeHandler(options: NodeHandlerOptions): RequestListener {
  const { context, ...rest } = shared(options);
  const basePath = options.basePath ?? "/trpc/";
  const handler = createHTTPHandler({
    ...rest,
    basePath,
    maxBodySize: MAX_BODY_BYTES,
    createContext: ({ req, info }) => context(toWebHeaders(req.headers), info, scopeOf(req)),
  });
  const { onRequest } = options;
  if (!onRequest) return handler;
  return (req, res) => observeRequest(req, res, basePath, onRequest, () => handler(req, res));
}

/**
 * Fetch `Request` → `Response` handler serving the AppRouter (Next.js route handlers), with
 * the same body limit as the Node handler (413 before parsing).
 */
export function createFetchHandler(options: ApiHandlerOptions & { endpoint: string }) {
  const { context, ...rest } = shared(options);
  return (req: Request) =>
    fetchRequestHandler({
      ...rest,
      req: limitRequestBody(req, MAX_BODY_BYTES),
      endpoint: options.endpoint,
      createContext: ({ info }) => context(req.headers, info),
    });
}

function toWebHeaders(incoming: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  return headers;
}
