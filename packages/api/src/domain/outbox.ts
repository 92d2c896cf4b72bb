import { schema, sql, type Transaction } from "@oncely/db";
import { formatMoney } from "./money";

/**
 * The transactional outbox, write side. Handlers call these with `ctx.tx`, so the message
 * commits if and only if the order or payment it announces commits: no email about a rolled
 * back order, no order without its email. Delivery is the worker's job (outboxWorker.ts).
 * A unique index on (topic, subject_id) makes "one confirmation per order" a database rule.
 */

const { outboxMessages, principals } = schema;

type OrderRow = typeof schema.orders.$inferSelect;
type PaymentRow = typeof schema.payments.$inferSelect;

/** Demo principals have no address book: each one's mail goes to <name>@example.com. */
const recipientOf = (principalId: string) =>
  sql<string>`(SELECT ${principals.name} || '@example.com' FROM ${principals} WHERE ${principals.id} = ${principalId})`;

export async function enqueueOrderConfirmation(tx: Transaction, order: OrderRow): Promise<void> {
  const what = order.description ?? `order ${order.id}`;
  await tx
    .insert(outboxMessages)
    .values({
      principalId: order.principalId,
      topic: "order_confirmation",
      subjectId: order.id,
      recipient: recipientOf(order.principalId),
      subject: `Order confirmation: ${what}`,
      body: `We received your order ${order.id} (${what}) for ${formatMoney(order.amount, order.currency)}.`,
    })
    .prepare("outbox_order_confirmation") // on orders.create's hot path: one round trip, no re-parse
    .execute();
}

export async function enqueuePaymentReceipt(tx: Transaction, payment: PaymentRow): Promise<void> {
  await tx.insert(outboxMessages).values({
    principalId: payment.principalId,
    topic: "payment_receipt",
    subjectId: payment.id,
    recipient: recipientOf(payment.principalId),
    subject: `Payment received for order ${payment.orderId}`,
    body: `Payment ${payment.id} of ${formatMoney(payment.amount, payment.currency)} for order ${payment.orderId} succeeded.`,
  });
}
