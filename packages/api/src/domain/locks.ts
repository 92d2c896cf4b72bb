import { and, eq, type Queryable, schema } from "@oncely/db";
import { apiError } from "../errors";

const { orders, payments } = schema;

/**
 * The principal's order, row-locked until the transaction ends (FOR NO KEY UPDATE: other
 * writers of this order wait, inserts that merely reference it do not). The lock is what
 * serialises payments, cancels and shipping changes of one order. Another principal's order
 * is "not found", like a missing one.
 */
export async function lockOwnOrder(tx: Queryable, principalId: string, orderId: string) {
  const [order] = await tx
    .select()
    .from(orders)
    .where(and(eq(orders.id, orderId), eq(orders.principalId, principalId)))
    .for("no key update");
  if (!order) throw apiError("order_not_found", `No order ${orderId}`);
  return order;
}

/** The principal's payment, row-locked: concurrent refunds of it check its total in turn. */
export async function lockOwnPayment(tx: Queryable, principalId: string, paymentId: string) {
  const [payment] = await tx
    .select()
    .from(payments)
    .where(and(eq(payments.id, paymentId), eq(payments.principalId, principalId)))
    .for("no key update");
  if (!payment) throw apiError("payment_not_found", `No payment ${paymentId}`);
  return payment;
}
