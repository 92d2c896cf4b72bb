import { and, desc, eq, lt, or, type SQL, schema } from "@oncely/db";
import { z } from "zod";
import { apiError } from "../errors";
import { amountSchema, currencySchema } from "../money";
import { orderResponse } from "../responses";
import { authedProcedure, createRouter, idempotency } from "../trpc";

const { accounts, orders } = schema;

export const createOrderInput = z.strictObject({
  accountId: z.uuid({ error: "accountId must be an account id (a UUID)" }),
  amount: amountSchema,
  currency: currencySchema,
  description: z.string().max(500, { error: "description must be at most 500 characters" }).optional(),
});

const orderIdInput = z.strictObject({ orderId: z.uuid({ error: "orderId must be an order id (a UUID)" }) });

const listOrdersInput = z
  .strictObject({
    limit: z.number().int().min(1).max(100).default(20),
    cursor: z.uuid({ error: "cursor must be the nextCursor of a previous page" }).optional(),
  })
  .default({ limit: 20 });

export const ordersRouter = createRouter({
  /** Creates a pending order charging one of the principal's customer accounts. */
  create: authedProcedure
    .input(createOrderInput)
    .concat(idempotency)
    .mutation(async ({ ctx, input }) => {
      const [account] = await ctx.tx
        .select({ kind: accounts.kind, currency: accounts.currency })
        .from(accounts)
        .where(and(eq(accounts.id, input.accountId), eq(accounts.principalId, ctx.principalId)));
      if (!account) throw apiError("account_not_found", `No account ${input.accountId}`);
      if (account.kind !== "customer") {
        throw apiError(
          "account_not_chargeable",
          `Account ${input.accountId} is a ${account.kind} account; orders charge customer accounts`,
        );
      }
      if (account.currency !== input.currency) {
        throw apiError(
          "currency_mismatch",
          `Account ${input.accountId} holds ${account.currency}, not ${input.currency}`,
        );
      }
      const [order] = await ctx.tx
        .insert(orders)
        .values({
          principalId: ctx.principalId,
          accountId: input.accountId,
          amount: input.amount,
          currency: input.currency,
          description: input.description ?? null,
        })
        .returning();
      if (!order) throw new Error("INSERT ... RETURNING gave no order");
      return orderResponse(order);
    }),

  get: authedProcedure.input(orderIdInput).query(async ({ ctx, input }) => {
    const [order] = await ctx.db
      .select()
      .from(orders)
      .where(and(eq(orders.id, input.orderId), eq(orders.principalId, ctx.principalId)));
    // Another principal's order is "not found" too: existence must not leak.
    if (!order) throw apiError("order_not_found", `No order ${input.orderId}`);
    return orderResponse(order);
  }),

  /** Newest first; pass `nextCursor` back as `cursor` for the next page. */
  list: authedProcedure.input(listOrdersInput).query(async ({ ctx, input }) => {
    let after: SQL | undefined;
    if (input.cursor) {
      const [cursorRow] = await ctx.db
        .select({ createdAt: orders.createdAt, id: orders.id })
        .from(orders)
        .where(and(eq(orders.id, input.cursor), eq(orders.principalId, ctx.principalId)));
      if (!cursorRow) throw apiError("order_not_found", `Unknown cursor ${input.cursor}`);
      after = or(
        lt(orders.createdAt, cursorRow.createdAt),
        and(eq(orders.createdAt, cursorRow.createdAt), lt(orders.id, cursorRow.id)),
      );
    }
    const rows = await ctx.db
      .select()
      .from(orders)
      .where(and(eq(orders.principalId, ctx.principalId), after))
      .orderBy(desc(orders.createdAt), desc(orders.id))
      .limit(input.limit + 1);
    const page = rows.slice(0, input.limit);
    return {
      items: page.map(orderResponse),
      nextCursor: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null,
    };
  }),
});
