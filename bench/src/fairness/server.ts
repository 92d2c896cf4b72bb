// The fairness bench's server (bench/src/fairness.ts): the engine in front of the bench
// database, with a mutation that holds its key (pg_sleep inside the business transaction) and a
// plain read for another principal. WAITERS_BOUND=off lifts the engine's waiters' bounds, as
// the engine was before it had them.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createDbClient, eq, schema, sql } from "@oncely/db";
import { type IdempotencyContext, idempotent, oncelyResponseMeta } from "@oncely/idempotency";
import { initTRPC } from "@trpc/server";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { z } from "zod";

const url = process.env.DATABASE_URL;
if (!url) throw new Error("DATABASE_URL is required");
const principals = JSON.parse(process.env.PRINCIPALS ?? "{}") as Record<string, string>;
const { db } = createDbClient(url, { max: Number(process.env.DB_POOL_SIZE ?? 10) });
const unbounded = process.env.WAITERS_BOUND === "off";

const t = initTRPC.context<IdempotencyContext<typeof db>>().create({ isDev: false });
const router = t.router({
  /** Holds its key for `seconds`: the stalled first request duplicates pile up behind. */
  stall: t.procedure
    .input(z.object({ seconds: z.number().min(0).max(30) }))
    .concat(idempotent<typeof db>(unbounded ? { maxWaitersPerKey: 1_000_000, maxWaitersPerPrincipal: 1_000_000 } : {}))
    .mutation(async ({ ctx, input }) => {
      await ctx.tx.execute(sql`SELECT pg_sleep(${input.seconds})`);
      return { held: input.seconds };
    }),
  /** Another principal's everyday read. */
  accounts: t.procedure.query(({ ctx }) =>
    ctx.db
      .select({ id: schema.accounts.id, balance: schema.accounts.balance })
      .from(schema.accounts)
      .where(eq(schema.accounts.principalId, ctx.principalId))
      .limit(5),
  ),
});

const server = http.createServer(
  createHTTPHandler({
    router,
    basePath: "/trpc/",
    createContext: ({ req, info }) => ({
      db,
      principalId: principals[String(req.headers["x-principal"])] ?? "",
      headers: new Headers(req.headers as Record<string, string>),
      responseHeaders: new Headers(),
      callsInRequest: info.calls.length,
    }),
    responseMeta: oncelyResponseMeta,
  }),
);
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}/trpc\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
