// The baseline server: tRPC standalone + postgres.js tagged templates + the hand-written key
// middleware (idempotencyKeys.ts). Its `orders.create` does the business work of
// @oncely/api's: read the account, insert the order, insert its confirmation into an outbox
// table, answer with the order; with the same API-key auth (SHA-256 of the bearer key, cached).
import { createHash } from "node:crypto";
import type { AddressInfo } from "node:net";
import { initTRPC, TRPCError } from "@trpc/server";
import { createHTTPServer } from "@trpc/server/adapters/standalone";
import postgres from "postgres";
import { z } from "zod";
import { KEY_TABLE, withIdempotencyKey } from "./idempotencyKeys";

const url = process.env.DATABASE_URL;
if (!url) throw new Error("DATABASE_URL is required");
const sql = postgres(url, {
  max: Number(process.env.DB_POOL_SIZE ?? 10),
  onnotice: () => {},
  connection: { application_name: "hand-rolled" },
});
await sql.unsafe(KEY_TABLE);
// Its own outbox table, shaped like @oncely/api's (columns, defaults, indexes).
await sql`CREATE TABLE IF NOT EXISTS hand_rolled_outbox_messages (LIKE outbox_messages INCLUDING ALL)`;

const principals = new Map<string, string | null>();
async function principalOf(authorization: string | undefined): Promise<string | null> {
  const apiKey = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
  if (!apiKey) return null;
  const hash = createHash("sha256").update(apiKey).digest("hex");
  if (!principals.has(hash)) {
    const [row] = await sql<{ id: string }[]>`SELECT id FROM principals WHERE api_key_hash = ${hash}`;
    principals.set(hash, row?.id ?? null);
  }
  return principals.get(hash) ?? null;
}

const t = initTRPC.context<{ authorization?: string; idempotencyKey?: string | string[] }>().create();
const authed = t.procedure.use(async ({ ctx, next }) => {
  const principalId = await principalOf(ctx.authorization);
  if (!principalId) throw new TRPCError({ code: "UNAUTHORIZED", message: "Send a valid API key" });
  return next({ ctx: { principalId } });
});
const keyed = authed.use(({ ctx, path, next }) =>
  withIdempotencyKey({
    sql,
    principalId: ctx.principalId,
    key: ctx.idempotencyKey,
    path,
    run: (tx) => next({ ctx: { tx } }),
  }),
);

const createOrderInput = z.strictObject({
  accountId: z.uuid(),
  amount: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  currency: z.string().regex(/^[A-Z]{3}$/),
  description: z.string().max(500).optional(),
});

interface OrderRow {
  id: string;
  account_id: string;
  amount: string;
  currency: string;
  description: string | null;
  status: string;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const router = t.router({
  orders: t.router({
    create: keyed.input(createOrderInput).mutation(async ({ ctx: { tx, principalId }, input }) => {
      const [account] = await tx<{ kind: string; currency: string }[]>`
        SELECT kind, currency FROM accounts WHERE id = ${input.accountId} AND principal_id = ${principalId}`;
      if (!account) throw new TRPCError({ code: "NOT_FOUND", message: `No account ${input.accountId}` });
      if (account.kind !== "customer" || account.currency !== input.currency) {
        throw new TRPCError({ code: "BAD_REQUEST", message: `Account ${input.accountId} cannot pay this order` });
      }
      const [order] = await tx<OrderRow[]>`
        INSERT INTO orders (principal_id, account_id, amount, currency, description)
        VALUES (${principalId}, ${input.accountId}, ${input.amount}, ${input.currency}, ${input.description ?? null})
        RETURNING *`;
      if (!order) throw new Error("INSERT ... RETURNING gave no order");
      const what = order.description ?? `order ${order.id}`;
      const amount = `${(input.amount / 100).toFixed(2)} ${order.currency}`;
      await tx`
        INSERT INTO hand_rolled_outbox_messages (principal_id, topic, subject_id, recipient, subject, body)
        VALUES (${principalId}, 'order_confirmation', ${order.id},
                (SELECT name || '@example.com' FROM principals WHERE id = ${principalId}),
                ${`Order confirmation: ${what}`}, ${`We received your order ${order.id} (${what}) for ${amount}.`})`;
      return {
        id: order.id,
        accountId: order.account_id,
        amount: Number(order.amount),
        currency: order.currency,
        description: order.description,
        status: order.status,
        version: order.version,
        shipping: null,
        createdAt: order.created_at.toISOString(),
        updatedAt: order.updated_at.toISOString(),
      };
    }),
  }),
});

const server = createHTTPServer({
  router,
  basePath: "/trpc/",
  createContext: ({ req }) => ({
    authorization: req.headers.authorization,
    idempotencyKey: req.headers["idempotency-key"],
  }),
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`hand-rolled listening on http://127.0.0.1:${(server.address() as AddressInfo).port}/trpc\n`);
});
process.on("SIGTERM", () => server.close(() => void sql.end({ timeout: 5 }).then(() => process.exit(0))));
