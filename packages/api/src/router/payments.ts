import { and, desc, eq, schema, sql } from "@oncely/db";
import { z } from "zod";
import { idSchema } from "../domain/fields";
import { lockOwnOrder } from "../domain/locks";
import { postMovement } from "../domain/movements";
import { enqueuePaymentReceipt } from "../domain/outbox";
import { afterCursor, cursorSchema, pageLimitSchema, toPage } from "../domain/pagination";
import { paymentResponse } from "../domain/responses";
import { apiError, storedError } from "../errors";
import { authedProcedure, createRouter, idempotency } from "../trpc";
import { orderIdSchema } from "./orders";

const { accounts, orders, payments } = schema;

export const paymentIdSchema = idSchema("paymentId must be a payment id (a UUID)");

const listPaymentsInput = z
  .strictObject({ orderId: orderIdSchema.optional(), limit: pageLimitSchema, cursor: cursorSchema })
  .default({ limit: 20 });

export const paymentsRouter = createRouter({
  /**
   * Charges an order: moves its amount from the order's customer account to the principal's
   * merchant account in the order's currency, and marks the order paid. Paying a paid or
   * cancelled order, and insufficient funds, are business errors stored under the key.
   */
  create: authedProcedure
    .input(z.strictObject({ orderId: orderIdSchema }))
    .concat(idempotency)
    .mutation(async ({ ctx, input }) => {
      // The order row is the lock that serialises payments (and cancels) of one order.
      const order = await lockOwnOrder(ctx.tx, ctx.principalId, input.orderId);
      if (order.status === "paid") throw storedError("order_already_paid", `Order ${order.id} is already paid`);
      if (order.status === "cancelled") {
        throw storedError("order_cancelled", `Order ${order.id} is cancelled and cannot be paid`);
      }

      const [merchant] = await ctx.tx
        .select({ id: accounts.id })
        .from(accounts)
        .where(
          and(
            eq(accounts.principalId, ctx.principalId),
            eq(accounts.kind, "merchant"),
            eq(accounts.currency, order.currency),
          ),
        );
      if (!merchant) {
        throw apiError("merchant_account_missing", `There is no ${order.currency} merchant account to credit`);
      }

      const { movementId } = await postMovement(ctx.tx, {
        description: `Payment for order ${order.id}`,
        currency: order.currency,
        entries: [
          { accountId: order.accountId, amount: -order.amount },
          { accountId: merchant.id, amount: order.amount },
        ],
      });
      // payments_order_unique backs the status check above: one successful payment per order.
      const [payment] = await ctx.tx
        .insert(payments)
        .values({
          principalId: ctx.principalId,
          orderId: order.id,
          accountId: order.accountId,
          merchantAccountId: merchant.id,
          amount: order.amount,
          currency: order.currency,
          movementId,
        })
        .returning();
      if (!payment) throw new Error("INSERT ... RETURNING gave no payment");
      await ctx.tx
        .update(orders)
        .set({ status: "paid", version: sql`${orders.version} + 1`, updatedAt: sql`now()` })
        .where(eq(orders.id, order.id));
      await enqueuePaymentReceipt(ctx.tx, payment);
      return paymentResponse(payment);
    }),

  get: authedProcedure.input(z.strictObject({ paymentId: paymentIdSchema })).query(async ({ ctx, input }) => {
    const [payment] = await ctx.db
      .select()
      .from(payments)
      .where(and(eq(payments.id, input.paymentId), eq(payments.principalId, ctx.principalId)));
    if (!payment) throw apiError("payment_not_found", `No payment ${input.paymentId}`);
    return paymentResponse(payment);
  }),

  /** Newest first, optionally only one order's; pass `nextCursor` back as `cursor`. */
  list: authedProcedure.input(listPaymentsInput).query(async ({ ctx, input }) => {
    const after = await afterCursor(ctx.db, payments, { principalId: ctx.principalId, cursor: input.cursor }, () =>
      apiError("payment_not_found", `Unknown cursor ${input.cursor}`),
    );
    const rows = await ctx.db
      .select()
      .from(payments)
      .where(
        and(
          eq(payments.principalId, ctx.principalId),
          input.orderId ? eq(payments.orderId, input.orderId) : undefined,
          after,
        ),
      )
      .orderBy(desc(payments.createdAt), desc(payments.id))
      .limit(input.limit + 1);
    return toPage(rows, input.limit, paymentResponse);
  }),
});
