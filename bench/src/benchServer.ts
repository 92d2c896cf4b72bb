// The server the engine benchmark loads: the same order-creating handler mounted three ways,
// so the only difference between them is the idempotency middleware.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { and, createDbClient, eq, type Queryable, schema } from "@oncely/db";
import { type IdempotencyOptions, idempotent } from "@oncely/idempotency";
import { initTRPC, TRPCError } from "@trpc/server";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { z } from "zod";

const url = process.env.DATABASE_URL;
const principalId = process.env.BENCH_PRINCIPAL_ID;
if (!url || !principalId) throw new Error("DATABASE_URL and BENCH_PRINCIPAL_ID are required");
const { db } = createDbClient(url, { max: Number(process.env.DB_POOL_SIZE ?? 10) });

const input = z.object({ accountId: z.uuid(), amount: z.number().int().positive(), currency: z.string().length(3) });

/** What orders.create does: check the account, insert the order, answer with it. */
async function createOrder(q: Queryable, order: z.infer<typeof input>) {
  const [account] = await q
    .select({ currency: schema.accounts.currency })
    .from(schema.accounts)
    .where(and(eq(schema.accounts.id, order.accountId), eq(schema.accounts.principalId, principalId as string)));
  if (!account) throw new TRPCError({ code: "NOT_FOUND", message: "no such account" });
  const [row] = await q
    .insert(schema.orders)
    .values({ principalId: principalId as string, ...order })
    .returning();
  if (!row) throw new Error("no row");
  return { ...row, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() };
}

const t = initTRPC
  .context<{ db: typeof db; principalId: string; headers: Headers; responseHeaders: Headers }>()
  .create({ isDev: false });
const withKey = (options: IdempotencyOptions) =>
  t.procedure
    .input(input)
    .concat(idempotent(options))
    .mutation(({ ctx, input }) => createOrder(ctx.tx, input));

const router = t.router({
  plain: t.procedure.input(input).mutation(({ ctx, input }) => ctx.db.transaction((tx) => createOrder(tx, input))),
  idempotent: withKey({}),
  idempotentAlwaysFastPath: withKey({ fastPath: true }),
});

const server = http.createServer(
  createHTTPHandler({
    router,
    basePath: "/trpc/",
    createContext: ({ req }) => ({
      db,
      principalId: principalId as string,
      headers: new Headers(req.headers as Record<string, string>),
      responseHeaders: new Headers(),
    }),
    responseMeta: ({ ctx }) => ({ headers: ctx?.responseHeaders }),
  }),
);
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
