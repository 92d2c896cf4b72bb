import { and, asc, eq, inArray, schema } from "@oncely/db";
import { z } from "zod";
import { idSchema } from "../domain/fields";
import { accountResponse } from "../domain/responses";
import { apiError } from "../errors";
import { authedProcedure, createRouter } from "../trpc";

const { accounts } = schema;

/** Equity accounts are the ledger's internal source of funds, not part of the public API. */
const PUBLIC_KINDS = ["customer", "merchant"] as const;

const accountIdInput = z.strictObject({ accountId: idSchema("accountId must be an account id (a UUID)") });

export const accountsRouter = createRouter({
  /** The principal's customer and merchant accounts with their balances. */
  list: authedProcedure.query(async ({ ctx }) => {
    const rows = await ctx.db
      .select()
      .from(accounts)
      .where(and(eq(accounts.principalId, ctx.principalId), inArray(accounts.kind, [...PUBLIC_KINDS])))
      .orderBy(asc(accounts.kind), asc(accounts.name));
    return rows.map(accountResponse);
  }),

  get: authedProcedure.input(accountIdInput).query(async ({ ctx, input }) => {
    const [account] = await ctx.db
      .select()
      .from(accounts)
      .where(
        and(
          eq(accounts.id, input.accountId),
          eq(accounts.principalId, ctx.principalId),
          inArray(accounts.kind, [...PUBLIC_KINDS]),
        ),
      );
    // Another principal's account is "not found" too: existence must not leak.
    if (!account) throw apiError("account_not_found", `No account ${input.accountId}`);
    return accountResponse(account);
  }),
});
