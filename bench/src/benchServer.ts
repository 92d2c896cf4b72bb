// The server the engine benchmarks load: the same handlers mounted with and without the
// idempotency middleware, so the middleware is the only difference. Two handlers: creating an
// order (one read, one insert: the lightest mutation, where the middleware's fixed cost shows
// most) and a ledger transfer (the account reads, row locks, entries, balances and transfer
// row of @oncely/api's transfers.create, through the same postMovement).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { postMovement } from "@oncely/api";
import { and, createDbClient, eq, inArray, type Queryable, schema, sql, type Transaction } from "@oncely/db";
import { type IdempotencyOptions, idempotent } from "@oncely/idempotency";
import { initTRPC, TRPCError } from "@trpc/server";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { z } from "zod";
import { claim, storeAnswer, withCommit } from "./engineStatements";

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

const transferInput = z.object({
  fromAccountId: z.uuid(),
  toAccountId: z.uuid(),
  amount: z.number().int().positive(),
  currency: z.string().length(3),
});

/** What transfers.create does, minus its error wording. */
async function createTransfer(tx: Transaction, transfer: z.infer<typeof transferInput>) {
  const found = await tx
    .select({ id: schema.accounts.id, currency: schema.accounts.currency })
    .from(schema.accounts)
    .where(
      and(
        inArray(schema.accounts.id, [transfer.fromAccountId, transfer.toAccountId]),
        eq(schema.accounts.principalId, principalId as string),
      ),
    );
  if (found.length !== 2 || found.some((a) => a.currency !== transfer.currency)) {
    throw new TRPCError({ code: "NOT_FOUND", message: "no such accounts" });
  }
  const { movementId } = await postMovement(tx, {
    description: "bench transfer",
    currency: transfer.currency,
    entries: [
      { accountId: transfer.fromAccountId, amount: -transfer.amount },
      { accountId: transfer.toAccountId, amount: transfer.amount },
    ],
  });
  const [row] = await tx
    .insert(schema.transfers)
    .values({ principalId: principalId as string, ...transfer, movementId })
    .returning();
  if (!row) throw new Error("no row");
  return { ...row, createdAt: row.createdAt.toISOString() };
}

const t = initTRPC
  .context<{ db: typeof db; principalId: string; headers: Headers; responseHeaders: Headers }>()
  .create({ isDev: false });
const withKey = (options: IdempotencyOptions) =>
  t.procedure
    .input(input)
    .concat(idempotent<typeof db>(options))
    .mutation(({ ctx, input }) => createOrder(ctx.tx, input));

/**
 * A plain handler plus some of the statements the middleware adds, without the middleware: how
 * much of the cost each statement is (bench/src/statements.ts), and the floor of any key store
 * kept in the business transaction (bench/src/engine.ts).
 */
const withEngineStatements = <I, R>(
  schema: z.ZodType<I>,
  handler: (tx: Transaction, input: I) => Promise<R>,
  statements: { claim?: boolean; savepoint?: boolean; row?: boolean },
) =>
  t.procedure.input(schema).mutation(({ ctx, input, path }) =>
    ctx.db.transaction(async (tx) => {
      const ref = { principalId: ctx.principalId, key: ctx.headers.get("idempotency-key") ?? "" };
      await Promise.all([
        statements.claim && claim(tx, ref),
        statements.savepoint && tx.execute(sql.raw("SAVEPOINT oncely_handler")),
      ]);
      const answer = await handler(tx, input as I);
      if (statements.row) withCommit(storeAnswer(tx, ref, path, JSON.stringify(answer)));
      return answer;
    }),
  );

const router = t.router({
  // The floor of any key store kept in the business transaction: the key row with its answer alone.
  orderFloor: withEngineStatements(input, createOrder, { row: true }),
  statementsSavepoint: withEngineStatements(input, createOrder, { savepoint: true }),
  statementsClaim: withEngineStatements(input, createOrder, { claim: true }),
  statementsAll: withEngineStatements(input, createOrder, { claim: true, savepoint: true, row: true }),
  plain: t.procedure.input(input).mutation(({ ctx, input }) => ctx.db.transaction((tx) => createOrder(tx, input))),
  idempotent: withKey({}),
  idempotentAlwaysFastPath: withKey({ fastPath: true }),
  transferPlain: t.procedure
    .input(transferInput)
    .mutation(({ ctx, input }) => ctx.db.transaction((tx) => createTransfer(tx, input))),
  transferFloor: withEngineStatements(transferInput, createTransfer, { row: true }),
  transferIdempotent: t.procedure
    .input(transferInput)
    .concat(idempotent<typeof db>({}))
    .mutation(({ ctx, input }) => createTransfer(ctx.tx, input)),
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
  process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}/trpc\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
