import { and, desc, eq, inArray, type SQL, schema, sql } from "@oncely/db";
import { z } from "zod";
import { idSchema } from "../domain/fields";
import { pageLimitSchema } from "../domain/pagination";
import { apiError } from "../errors";
import { authedProcedure, createRouter } from "../trpc";

const { accounts, ledgerEntries, payments, refunds, transfers } = schema;

const listInput = z
  .strictObject({
    accountId: idSchema("accountId must be an account id (a UUID)").optional(),
    limit: pageLimitSchema,
    cursor: z
      .string({ error: "cursor must be the nextCursor of a previous page" })
      .regex(/^[1-9][0-9]{0,17}$/, { error: "cursor must be the nextCursor of a previous page" })
      .optional(),
  })
  .default({ limit: 20 });

/**
 * Entries on the principal's customer and merchant accounts (or one of them): the equity
 * account's side of opening balances is internal and not listed. Needs `accounts` joined.
 */
function visibleEntries(principalId: string, accountId: string | undefined) {
  return and(
    eq(accounts.principalId, principalId),
    inArray(accounts.kind, ["customer", "merchant"]),
    accountId ? eq(ledgerEntries.accountId, accountId) : undefined,
  );
}

/** What made a ledger entry: an order's payment, a refund of it, a transfer, or opening funds. */
export type LedgerSource =
  | { kind: "payment"; orderId: string; paymentId: string }
  | { kind: "refund"; orderId: string; paymentId: string; refundId: string }
  | { kind: "transfer"; transferId: string }
  | { kind: "opening" };

function sourceOf(row: {
  paymentId: string | null;
  paymentOrderId: string | null;
  refundId: string | null;
  refundPaymentId: string | null;
  refundOrderId: string | null;
  transferId: string | null;
}): LedgerSource {
  if (row.paymentId && row.paymentOrderId) {
    return { kind: "payment", orderId: row.paymentOrderId, paymentId: row.paymentId };
  }
  if (row.refundId && row.refundPaymentId && row.refundOrderId) {
    return { kind: "refund", orderId: row.refundOrderId, paymentId: row.refundPaymentId, refundId: row.refundId };
  }
  if (row.transferId) return { kind: "transfer", transferId: row.transferId };
  return { kind: "opening" };
}

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
   * The principal's ledger (customer and merchant accounts), or one account's, newest first,
   * a page at a time: each entry with the balance of its account right after it (a running
   * balance) and what made it. Pass `nextCursor` back as `cursor`.
   */
  list: authedProcedure.input(listInput).query(async ({ ctx, input }) => {
    const refundPayments = sql`refund_payments`;
    // The running balance is a window over all of an account's entries, in ledger order.
    const entries = ctx.db
      .select({
        id: ledgerEntries.id,
        movementId: ledgerEntries.movementId,
        accountId: ledgerEntries.accountId,
        accountName: sql<string>`${accounts.name}`.as("account_name"),
        amount: ledgerEntries.amount,
        currency: ledgerEntries.currency,
        description: ledgerEntries.description,
        createdAt: ledgerEntries.createdAt,
        balanceAfter: sql<string>`sum(${ledgerEntries.amount}) OVER (PARTITION BY ${ledgerEntries.accountId}
          ORDER BY ${ledgerEntries.createdAt}, ${ledgerEntries.id})`.as("balance_after"),
      })
      .from(ledgerEntries)
      .innerJoin(accounts, eq(accounts.id, ledgerEntries.accountId))
      .where(visibleEntries(ctx.principalId, input.accountId))
      .as("entries");

    let after: SQL | undefined;
    if (input.cursor) {
      const cursor = Number(input.cursor);
      const [cursorRow] = await ctx.db.select({ id: entries.id }).from(entries).where(eq(entries.id, cursor));
      if (!cursorRow) throw apiError("ledger_entry_not_found", `Unknown cursor ${input.cursor}`);
      // Compared in SQL: a JavaScript Date would cut created_at's microseconds.
      after = sql`(${entries.createdAt}, ${entries.id}) <
        (SELECT ${ledgerEntries.createdAt}, ${ledgerEntries.id} FROM ${ledgerEntries} WHERE ${ledgerEntries.id} = ${cursor})`;
    }
    const rows = await ctx.db
      .select({
        id: entries.id,
        movementId: entries.movementId,
        accountId: entries.accountId,
        accountName: entries.accountName,
        amount: entries.amount,
        currency: entries.currency,
        description: entries.description,
        createdAt: entries.createdAt,
        balanceAfter: entries.balanceAfter,
        paymentId: payments.id,
        paymentOrderId: payments.orderId,
        refundId: refunds.id,
        refundPaymentId: refunds.paymentId,
        refundOrderId: sql<string | null>`${refundPayments}.order_id`,
        transferId: transfers.id,
      })
      .from(entries)
      .leftJoin(payments, eq(payments.movementId, entries.movementId))
      .leftJoin(refunds, eq(refunds.movementId, entries.movementId))
      .leftJoin(sql`${payments} AS ${refundPayments}`, sql`${refundPayments}.id = ${refunds.paymentId}`)
      .leftJoin(transfers, eq(transfers.movementId, entries.movementId))
      .where(after)
      .orderBy(desc(entries.createdAt), desc(entries.id))
      .limit(input.limit + 1);
    const page = rows.slice(0, input.limit);
    return {
      items: page.map((row) => ({
        ...ledgerEntryResponse(row),
        balanceAfter: Number(row.balanceAfter),
        source: sourceOf(row),
      })),
      nextCursor: rows.length > input.limit ? (page.at(-1)?.id.toString() ?? null) : null,
    };
  }),

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
      .where(visibleEntries(ctx.principalId, input.accountId))
      .orderBy(desc(ledgerEntries.createdAt), desc(ledgerEntries.id))
      .limit(input.limit);
    return rows.map(ledgerEntryResponse);
  }),
});
