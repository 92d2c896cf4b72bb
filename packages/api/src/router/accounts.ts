import { and, asc, eq, inArray, schema } from "@oncely/db";
import { accountResponse } from "../responses";
import { authedProcedure, createRouter } from "../trpc";

const { accounts } = schema;

export const accountsRouter = createRouter({
  /** The principal's customer and merchant accounts with their balances. */
  list: authedProcedure.query(async ({ ctx }) => {
    const rows = await ctx.db
      .select()
      .from(accounts)
      .where(and(eq(accounts.principalId, ctx.principalId), inArray(accounts.kind, ["customer", "merchant"])))
      .orderBy(asc(accounts.kind), asc(accounts.name));
    return rows.map(accountResponse);
  }),
});
