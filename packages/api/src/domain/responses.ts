import type { schema } from "@oncely/db";

type AccountRow = typeof schema.accounts.$inferSelect;
type OrderRow = typeof schema.orders.$inferSelect;
type PaymentRow = typeof schema.payments.$inferSelect;
type RefundRow = typeof schema.refunds.$inferSelect;
type TransferRow = typeof schema.transfers.$inferSelect;

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

/** A shipping address as `orders.updateShipping` takes it. */
export interface Shipping {
  name: string;
  line1: string;
  line2?: string | undefined;
  city: string;
  postalCode: string;
  country: string;
}

/**
 * Rebuilt field by field in a fixed order (jsonb keeps its own key order), with `line2: null`
 * when absent, so every answer about the same order is byte-identical.
 */
function shippingResponse(stored: unknown) {
  if (stored === null || typeof stored !== "object") return null;
  const s = stored as Shipping;
  return {
    name: s.name,
    line1: s.line1,
    line2: s.line2 ?? null,
    city: s.city,
    postalCode: s.postalCode,
    country: s.country,
  };
}

export function orderResponse(row: OrderRow) {
  return {
    id: row.id,
    accountId: row.accountId,
    amount: row.amount,
    currency: row.currency,
    description: row.description,
    status: row.status,
    version: row.version,
    shipping: shippingResponse(row.shipping),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
export type OrderResponse = ReturnType<typeof orderResponse>;

/** `refunded` once refunds add up to the amount, `partially_refunded` before that. */
function paymentStatus(row: PaymentRow) {
  if (row.refundedAmount === 0) return "succeeded" as const;
  return row.refundedAmount === row.amount ? ("refunded" as const) : ("partially_refunded" as const);
}

export function paymentResponse(row: PaymentRow) {
  return {
    id: row.id,
    orderId: row.orderId,
    accountId: row.accountId,
    merchantAccountId: row.merchantAccountId,
    amount: row.amount,
    currency: row.currency,
    refundedAmount: row.refundedAmount,
    status: paymentStatus(row),
    createdAt: row.createdAt.toISOString(),
  };
}
export type PaymentResponse = ReturnType<typeof paymentResponse>;

export function refundResponse(row: RefundRow) {
  return {
    id: row.id,
    paymentId: row.paymentId,
    amount: row.amount,
    currency: row.currency,
    createdAt: row.createdAt.toISOString(),
  };
}
export type RefundResponse = ReturnType<typeof refundResponse>;

export function transferResponse(row: TransferRow) {
  return {
    id: row.id,
    fromAccountId: row.fromAccountId,
    toAccountId: row.toAccountId,
    amount: row.amount,
    currency: row.currency,
    createdAt: row.createdAt.toISOString(),
  };
}
export type TransferResponse = ReturnType<typeof transferResponse>;
