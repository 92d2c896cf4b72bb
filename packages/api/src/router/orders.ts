import { and, desc, eq, type SQL, schema, sql } from "@oncely/db";
import { z } from "zod";
import { lockOwnOrder } from "../domain/locks";
import { amountSchema, currencySchema } from "../domain/money";
import { enqueueOrderConfirmation } from "../domain/outbox";
import { olderThan, pageInput, toPage } from "../domain/pagination";
import { orderResponse } from "../domain/responses";
import { apiError } from "../errors";
import { authedProcedure, createRouter, idempotency, optionalIdempotency } from "../trpc";

const { accounts, orders } = schema;

export const createOrderInput = z.strictObject({
  accountId: z.uuid({ error: "accountId must be an account id (a UUID)" }),
  amount: amountSchema,
  currency: currencySchema,
  description: z.string().max(500, { error: "description must be at most 500 characters" }).optional(),
});

export const orderIdSchema = z.uuid({ error: "orderId must be an order id (a UUID)" });
const orderIdInput = z.strictObject({ orderId: orderIdSchema });

const listOrdersInput = pageInput;

const line = (field: string, max: number) =>
  z
    .string({ error: `${field} must be a string` })
    .trim()
    .min(1, { error: `${field} must not be empty` })
    .max(max, { error: `${field} must be at most ${max} characters` });

/** A full shipping address: updateShipping replaces the whole thing (PUT semantics). */
export const shippingSchema = z.strictObject({
  name: line("name", 200),
  line1: line("line1", 200),
  line2: line("line2", 200).optional(),
  city: line("city", 100),
  postalCode: line("postalCode", 20),
  country: z
    .string({ error: "country must be a string" })
    .regex(/^[A-Z]{2}$/, { error: "country must be a two-letter ISO 3166-1 code in upper case, e.g. DE" }),
});

export const updateShippingInput = z.strictObject({
  orderId: orderIdSchema,
  expectedVersion: z
    .number({ error: "expectedVersion must be the order's current version (a number)" })
    .int({ error: "expectedVersion must be an integer" })
    .min(1, { error: "expectedVersion starts at 1" }),
  shipping: shippingSchema,
});

export const ordersRouter = createRouter({
  /** Creates a pending order charging one of the principal's customer accounts. */
  create: authedProcedure
    .input(createOrderInput)
    .concat(idempotency)
    .mutation(async ({ ctx, input }) => {
      // The hot path's statements are prepared (fixed shapes): postgres.js keeps them per
      // connection, so each is one round trip and PostgreSQL does not parse it again.
      const [account] = await ctx.tx
        .select({ kind: accounts.kind, currency: accounts.currency })
        .from(accounts)
        .where(and(eq(accounts.id, input.accountId), eq(accounts.principalId, ctx.principalId)))
        .prepare("orders_create_account")
        .execute();
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
        .returning()
        .prepare("orders_create_insert")
        .execute();
      if (!order) throw new Error("INSERT ... RETURNING gave no order");
      // Same transaction: the confirmation email exists exactly when the order does.
      await enqueueOrderConfirmation(ctx.tx, order);
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
      after = olderThan(orders, cursorRow);
    }
    const rows = await ctx.db
      .select()
      .from(orders)
      .where(and(eq(orders.principalId, ctx.principalId), after))
      .orderBy(desc(orders.createdAt), desc(orders.id))
      .limit(input.limit + 1);
    return toPage(rows, input.limit, orderResponse);
  }),

  /**
   * Cancels a pending order. Naturally idempotent, so no Idempotency-Key is needed: cancelling
   * a cancelled order answers with that same order and writes nothing. A paid order is
   * refused (`order_already_paid`): money only moves through keyed procedures, so the caller
   * refunds it with `refunds.create` instead.
   */
  cancel: authedProcedure.input(orderIdInput).mutation(({ ctx, input }) =>
    ctx.db.transaction(async (tx) => {
      // Locked, so a concurrent payment either sees "cancelled" or has already made it "paid".
      const order = await lockOwnOrder(tx, ctx.principalId, input.orderId);
      if (order.status === "cancelled") return orderResponse(order);
      if (order.status === "paid") {
        throw apiError(
          "order_already_paid",
          `Order ${order.id} is paid and cannot be cancelled; refund its payment with refunds.create`,
        );
      }
      const [cancelled] = await tx
        .update(orders)
        .set({ status: "cancelled", version: sql`${orders.version} + 1`, updatedAt: sql`now()` })
        .where(eq(orders.id, order.id))
        .returning();
      if (!cancelled) throw new Error("UPDATE ... RETURNING gave no order");
      return orderResponse(cancelled);
    }),
  ),

  /**
   * Replaces the shipping address if the order is still at `expectedVersion` (optimistic
   * locking); bumps the version. A stale version is a 412 and writes nothing. With an
   * Idempotency-Key a retry replays the first answer instead of tripping over its own bump.
   */
  updateShipping: authedProcedure
    .input(updateShippingInput)
    .concat(optionalIdempotency)
    .mutation(async ({ ctx, input }) => {
      const order = await lockOwnOrder(ctx.tx, ctx.principalId, input.orderId);
      if (order.version !== input.expectedVersion) {
        throw apiError(
          "version_mismatch",
          `Order ${order.id} is at version ${order.version}, not ${input.expectedVersion}; fetch it and retry with its current version`,
        );
      }
      if (order.status === "cancelled") {
        throw apiError("order_cancelled", `Order ${order.id} is cancelled; its shipping address cannot change`);
      }
      const [updated] = await ctx.tx
        .update(orders)
        .set({ shipping: input.shipping, version: sql`${orders.version} + 1`, updatedAt: sql`now()` })
        .where(eq(orders.id, order.id))
        .returning();
      if (!updated) throw new Error("UPDATE ... RETURNING gave no order");
      return orderResponse(updated);
    }),
});
