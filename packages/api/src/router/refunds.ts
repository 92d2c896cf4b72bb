import { and, desc, eq, schema, sql } from "@oncely/db";
import { z } from "zod";
import { lockOwnPayment } from "../domain/locks";
import { amountSchema } from "../domain/money";
import { postMovement } from "../domain/movements";
import { afterCursor, cursorSchema, pageLimitSchema, toPage } from "../domain/pagination";
import { refundResponse } from "../domain/responses";
import { apiError, storedError } from "../errors";
import { authedProcedure, createRouter, idempotency } from "../trpc";
import { paymentIdSchema } from "./payments";

const { payments, refunds } = schema;

const listRefundsInput = z
  .strictObject({ paymentId: paymentIdSchema.optional(), limit: pageLimitSchema, cursor: cursorSchema })
  .default({ limit: 20 });

export const refundsRouter = createRouter({
  /**
   * Refunds part or all of a payment: money goes back from the merchant account to the
   * customer account it came from. Refunds of one payment never add up to more than it,
   * also when several run at once with different keys: each locks the payment row first, so
   * they check and raise `refunded_amount` one after another.
   */
  create: authedProcedure
    .input(z.strictObject({ paymentId: paymentIdSchema, amount: amountSchema }))
    .concat(idempotency)
    .mutation(async ({ ctx, input }) => {
      const payment = await lockOwnPayment(ctx.tx, ctx.principalId, input.paymentId);
      const refundable = payment.amount - payment.refundedAmount;
      if (input.amount > refundable) {
        throw storedError(
          "refund_exceeds_payment",
          `Payment ${payment.id} has ${refundable} ${payment.currency} left to refund; ${input.amount} is more`,
        );
      }

      const { movementId } = await postMovement(ctx.tx, {
        description: `Refund of payment ${payment.id}`,
        currency: payment.currency,
        entries: [
          { accountId: payment.merchantAccountId, amount: -input.amount },
          { accountId: payment.accountId, amount: input.amount },
        ],
      });
      const [refund] = await ctx.tx
        .insert(refunds)
        .values({
          principalId: ctx.principalId,
          paymentId: payment.id,
          amount: input.amount,
          currency: payment.currency,
          movementId,
        })
        .returning();
      if (!refund) throw new Error("INSERT ... RETURNING gave no refund");
      await ctx.tx
        .update(payments)
        .set({ refundedAmount: sql`${payments.refundedAmount} + ${input.amount}` })
        .where(eq(payments.id, payment.id));
      return refundResponse(refund);
    }),

  /** Newest first, all the principal's refunds or one payment's; pass `nextCursor` back as `cursor`. */
  list: authedProcedure.input(listRefundsInput).query(async ({ ctx, input }) => {
    if (input.paymentId) {
      const [payment] = await ctx.db
        .select({ id: payments.id })
        .from(payments)
        .where(and(eq(payments.id, input.paymentId), eq(payments.principalId, ctx.principalId)));
      if (!payment) throw apiError("payment_not_found", `No payment ${input.paymentId}`);
    }
    const after = await afterCursor(ctx.db, refunds, { principalId: ctx.principalId, cursor: input.cursor }, () =>
      apiError("refund_not_found", `Unknown cursor ${input.cursor}`),
    );
    const rows = await ctx.db
      .select()
      .from(refunds)
      .where(
        and(
          eq(refunds.principalId, ctx.principalId),
          input.paymentId ? eq(refunds.paymentId, input.paymentId) : undefined,
          after,
        ),
      )
      .orderBy(desc(refunds.createdAt), desc(refunds.id))
      .limit(input.limit + 1);
    return toPage(rows, input.limit, refundResponse);
  }),
});
