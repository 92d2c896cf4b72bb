import { and, desc, eq, inArray, or, schema } from "@oncely/db";
import { z } from "zod";
import { idSchema } from "../domain/fields";
import { amountSchema, currencySchema } from "../domain/money";
import { postMovement } from "../domain/movements";
import { afterCursor, cursorSchema, pageLimitSchema, toPage } from "../domain/pagination";
import { transferResponse } from "../domain/responses";
import { apiError, storedError } from "../errors";
import { authedProcedure, createRouter, idempotency } from "../trpc";

const { accounts, transfers } = schema;

export const createTransferInput = z
  .strictObject({
    fromAccountId: idSchema("fromAccountId must be an account id (a UUID)"),
    toAccountId: idSchema("toAccountId must be an account id (a UUID)"),
    amount: amountSchema,
    currency: currencySchema,
  })
  .refine((t) => t.fromAccountId !== t.toAccountId, {
    error: "toAccountId must differ from fromAccountId",
    path: ["toAccountId"],
  });

export const transferIdSchema = idSchema("transferId must be a transfer id (a UUID)");

const listTransfersInput = z
  .strictObject({
    /** Only transfers from or to this account. */
    accountId: idSchema("accountId must be an account id (a UUID)").optional(),
    limit: pageLimitSchema,
    cursor: cursorSchema,
  })
  .default({ limit: 20 });

export const transfersRouter = createRouter({
  get: authedProcedure.input(z.strictObject({ transferId: transferIdSchema })).query(async ({ ctx, input }) => {
    const [transfer] = await ctx.db
      .select()
      .from(transfers)
      .where(and(eq(transfers.id, input.transferId), eq(transfers.principalId, ctx.principalId)));
    // Another principal's transfer is "not found" too: existence must not leak.
    if (!transfer) throw apiError("transfer_not_found", `No transfer ${input.transferId}`);
    return transferResponse(transfer);
  }),

  /** Newest first, all the principal's transfers or one account's; pass `nextCursor` back as `cursor`. */
  list: authedProcedure.input(listTransfersInput).query(async ({ ctx, input }) => {
    const after = await afterCursor(ctx.db, transfers, { principalId: ctx.principalId, cursor: input.cursor }, () =>
      apiError("transfer_not_found", `Unknown cursor ${input.cursor}`),
    );
    const rows = await ctx.db
      .select()
      .from(transfers)
      .where(
        and(
          eq(transfers.principalId, ctx.principalId),
          input.accountId
            ? or(eq(transfers.fromAccountId, input.accountId), eq(transfers.toAccountId, input.accountId))
            : undefined,
          after,
        ),
      )
      .orderBy(desc(transfers.createdAt), desc(transfers.id))
      .limit(input.limit + 1);
    return toPage(rows, input.limit, transferResponse);
  }),

  /**
   * Moves money between two of the principal's customer or merchant accounts. Both accounts
   * are locked in id order (ledger.ts), so opposite transfers at the same moment queue
   * instead of deadlocking. Insufficient funds and a currency other than both accounts' are
   * business errors stored under the key.
   */
  create: authedProcedure
    .input(createTransferInput)
    .concat(idempotency)
    .mutation(async ({ ctx, input }) => {
      // Owner, kind and currency never change, so reading them needs no lock; funds do (ledger.ts).
      const found = await ctx.tx
        .select({ id: accounts.id, currency: accounts.currency })
        .from(accounts)
        .where(
          and(
            inArray(accounts.id, [input.fromAccountId, input.toAccountId]),
            eq(accounts.principalId, ctx.principalId),
            inArray(accounts.kind, ["customer", "merchant"]),
          ),
        );
      const from = found.find((a) => a.id === input.fromAccountId);
      const to = found.find((a) => a.id === input.toAccountId);
      // Another principal's account is "not found" too: existence must not leak.
      if (!from) throw apiError("account_not_found", `No account ${input.fromAccountId}`);
      if (!to) throw apiError("account_not_found", `No account ${input.toAccountId}`);
      for (const account of [from, to]) {
        if (account.currency !== input.currency) {
          throw storedError(
            "currency_mismatch",
            `Account ${account.id} holds ${account.currency}; the transfer is in ${input.currency}`,
          );
        }
      }

      const { movementId } = await postMovement(ctx.tx, {
        description: `Transfer from ${from.id} to ${to.id}`,
        currency: input.currency,
        entries: [
          { accountId: from.id, amount: -input.amount },
          { accountId: to.id, amount: input.amount },
        ],
      });
      const [transfer] = await ctx.tx
        .insert(transfers)
        .values({
          principalId: ctx.principalId,
          fromAccountId: from.id,
          toAccountId: to.id,
          amount: input.amount,
          currency: input.currency,
          movementId,
        })
        .returning();
      if (!transfer) throw new Error("INSERT ... RETURNING gave no transfer");
      return transferResponse(transfer);
    }),
});
