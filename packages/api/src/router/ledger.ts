import { and, desc, eq, inArray, schema } from "@oncely/db";
import { z } from "zod";
import { idSchema } from "../domain/fields";
import { authedProcedure, createRouter } from "../trpc";

const { accounts, ledgerEntries } = schema;

const recentInput = z
  .strictObject({
    limit: z.number().int().min(1).max(100).default(20),
    accountId: idSchema("accountId must be an account id (a UUID)").optional(),
  })
  .default({ limit: 20 });

type EntryRow = Pick<
  typeof ledgerEntries.$inferSelect,
  "id" | "movementId" | "accountId" | "amount" | "currency" | "description" | "createdAt"
> & { accountName: string };

/** One ledger entry: a signed amount on one account (negative debits it). */
export function ledgerEntryResponse(row: EntryRow) {
  return {
    id: String(row.id),
    movementId: row.movementId,
    accountId: row.accountId,
    accountName: row.accountName,
    amount: row.amount,
    currency: row.currency,
    description: row.description,
    createdAt: row.createdAt.toISOString(),
  };
}
export type LedgerEntryResponse = ReturnType<typeof ledgerEntryResponse>;

export const ledgerRouter = createRouter({
  /**
   * The newest entries on the principal's customer and merchant accounts (or one of them).
   * The equity account's side of opening balances is internal and not listed.
   */
  recent: authedProcedure.input(recentInput).query(async ({ ctx, input }) => {
    const rows = await ctx.db
      .select({
        id: ledgerEntries.id,
        movementId: ledgerEntries.movementId,
        accountId: ledgerEntries.accountId,
        accountName: accounts.name,
        amount: ledgerEntries.amount,
        currency: ledgerEntries.currency,
        description: ledgerEntries.description,
        createdAt: ledgerEntries.createdAt,
      })
      .from(ledgerEntries)
      .innerJoin(accounts, eq(accounts.id, ledgerEntries.accountId))
      .where(
        and(
          eq(accounts.principalId, ctx.principalId),
          inArray(accounts.kind, ["customer", "merchant"]),
          input.accountId ? eq(ledgerEntries.accountId, input.accountId) : undefined,
        ),
      )
      .orderBy(desc(ledgerEntries.createdAt), desc(ledgerEntries.id))
      .limit(input.limit);
    return rows.map(ledgerEntryResponse);
  }),
});
