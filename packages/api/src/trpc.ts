import type { Database } from "@oncely/db";
import {
  type EnginePoint,
  type EnginePointInfo,
  idempotent,
  isTransientDatabaseFailure,
  oncelyCodeOf,
} from "@oncely/idempotency";
import { initTRPC, type TRPCError } from "@trpc/server";
import { z } from "zod";
import { DATABASE_RETRY_AFTER_SECONDS, DEFAULT_REQUEST_TIMEOUT_MS, withinDeadline } from "./databaseAway";
import { ChaosError, chaosAvailable, chaosPoint, REQUEST_ID_HEADER, withChaos } from "./demo/chaos";
import { ApiError, apiError } from "./errors";
import type { PrincipalResolver } from "./http/auth";
import { notePoint, type RequestScope } from "./http/requestScope";

export interface CreateContextOptions {
  db: Database;
  resolvePrincipal: PrincipalResolver;
  /** The request's headers, whatever adapter serves it. */
  headers: Headers;
  /** How many calls the HTTP request batches (one idempotency key cannot name several). */
  callsInRequest?: number;
  /** A call not done within this long is answered 503 + Retry-After (ms). Default 8000. */
  requestTimeoutMs?: number;
  /** Where request logs and metrics learn about this request (http/observe.ts), if they watch it. */
  scope?: RequestScope | undefined;
}

/** Per-request context. `responseHeaders` are sent by the adapter's `responseMeta`. */
export function createContext({
  db,
  resolvePrincipal,
  headers,
  callsInRequest = 1,
  requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
  scope,
}: CreateContextOptions) {
  return { db, resolvePrincipal, headers, callsInRequest, requestTimeoutMs, scope, responseHeaders: new Headers() };
}
export type Context = ReturnType<typeof createContext>;

const INTERNAL_ERROR_MESSAGE =
  "Something went wrong on our side and nothing was saved; retrying with the same Idempotency-Key is safe";

const t = initTRPC.context<Context>().create({
  // Never send stack traces, whatever NODE_ENV says.
  isDev: false,
  errorFormatter({ shape, error }) {
    const { stack: _stack, ...data } = shape.data;
    const internal = error.code === "INTERNAL_SERVER_ERROR";
    return {
      ...shape,
      message: internal ? INTERNAL_ERROR_MESSAGE : shape.message,
      data: {
        ...data,
        oncelyCode: errorCode(error),
        issues: error.cause instanceof z.ZodError ? issuesOf(error.cause) : undefined,
      },
    };
  },
});

/** The `oncelyCode` an error is sent with (also what request logs and metrics go by). */
export function errorCode(error: TRPCError): string | undefined {
  if (error.cause instanceof ApiError || error.cause instanceof ChaosError) return error.cause.code;
  if (error.cause instanceof z.ZodError) return "invalid_input";
  return oncelyCodeOf(error);
}

function issuesOf(error: z.ZodError) {
  return error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
}

export const createRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * Outermost, so it covers authentication too: a call whose database is away (refused, reset,
 * restarting, src/databaseAway.ts) is a 503 + Retry-After, not a 500, and a call still not
 * done after `requestTimeoutMs` (a database that does not answer at all) is answered 503 +
 * Retry-After then, before the client's own attempt timeout. The call itself is not stopped:
 * it may still commit, which is why the answer says so and why retries carry the same key.
 */
const answerWhenDatabaseAway = t.middleware(async ({ ctx, next }) => {
  const running = next();
  const result = await withinDeadline(running, ctx.requestTimeoutMs);
  if (result === "timeout") {
    ctx.responseHeaders.set("Retry-After", String(DATABASE_RETRY_AFTER_SECONDS));
    throw apiError(
      "request_timeout",
      `No answer from the database within ${ctx.requestTimeoutMs} ms; the request may or may not take effect. Retry with the same Idempotency-Key after ${DATABASE_RETRY_AFTER_SECONDS} s`,
    );
  }
  if (!result.ok && result.error.code === "INTERNAL_SERVER_ERROR" && isTransientDatabaseFailure(result.error)) {
    ctx.responseHeaders.set("Retry-After", String(DATABASE_RETRY_AFTER_SECONDS));
    throw apiError(
      "database_unavailable",
      `The database is unavailable right now. Retry after ${DATABASE_RETRY_AFTER_SECONDS} s (a mutation with the same Idempotency-Key runs at most once)`,
    );
  }
  return result;
});

export const publicProcedure = t.procedure.use(answerWhenDatabaseAway);

/**
 * Demo mode is decided once, when the API is loaded: ONCELY_DEMO=1 in the process's
 * environment (apps/server's env.ts sets it from its defaults before loading the API). Outside
 * demo mode the chaos layer (demo/chaos.ts) is not in the procedure chain at all.
 */
const demoMode = chaosAvailable();

/** Requires `Authorization: Bearer <api key>`; adds `principalId` to the context. */
const authenticated = publicProcedure.use(async ({ ctx, next }) => {
  const principalId = await ctx.resolvePrincipal(ctx.headers.get("authorization"));
  if (ctx.scope) ctx.scope.principalId = principalId;
  if (!principalId) {
    throw apiError("unauthenticated", "Send a valid API key as `Authorization: Bearer <key>`");
  }
  return next({ ctx: { principalId } });
});

/** Authenticated, then (in demo mode only) the chaos layer's faults for that principal. */
export const authedProcedure = demoMode
  ? authenticated.use(({ ctx, path, type, next }) =>
      withChaos(
        {
          principalId: ctx.principalId,
          path,
          type,
          requestId: ctx.headers.get(REQUEST_ID_HEADER),
          responseHeaders: ctx.responseHeaders,
        },
        next,
      ),
    )
  : authenticated;

/** The engine's points: timings for request logs and metrics, then (demo mode) the faults. */
const enginePoint = demoMode
  ? async (point: EnginePoint, info: EnginePointInfo) => {
      notePoint(point, info);
      await chaosPoint(point, info);
    }
  : notePoint;

/**
 * The idempotency plugin: concatenate after `.input()`, so it fingerprints parsed input and
 * validation errors happen before any key is stored.
 */
const engineHooks = {
  onBackgroundError: (error: unknown) => console.error("idempotency bookkeeping failed", error),
  onPoint: enginePoint,
};

export const idempotency = idempotent<Database>(engineHooks);

/**
 * The same plugin with the key optional, for mutations that are safe without one but should
 * replay when a client sends one (a retried `orders.updateShipping` replays its success
 * instead of failing on the version it already bumped).
 */
export const optionalIdempotency = idempotent<Database>({ ...engineHooks, key: "optional" });
