import type { schema } from "@oncely/db";

type AccountRow = typeof schema.accounts.$inferSelect;
type OrderRow = typeof schema.orders.$inferSelect;

/** The public shape of an account. Dates are ISO strings: the API speaks plain JSON. */
export function accountResponse(row: Pick<AccountRow, "id" | "name" | "kind" | "currency" | "balance">) {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as "customer" | "merchant",
    currency: row.currency,
    balance: row.balance,
  };
}
export type AccountResponse = ReturnType<typeof accountResponse>;

export function orderResponse(row: OrderRow) {
  return {
    id: row.id,
    accountId: row.accountId,
    amount: row.amount,
    currency: row.currency,
    description: row.description,
    status: row.status,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
export type OrderResponse = ReturnType<typeof orderResponse>;
