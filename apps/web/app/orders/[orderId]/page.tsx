import { TRPCError } from "@trpc/server";
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { formatDateTime } from "../../../lib/dates";
import { formatMoney } from "../../../lib/money";
import { currentSession } from "../../../server/principal";
import { CancelOrderPanel } from "../../_components/cancel-order-panel";
import { PaymentPanel } from "../../_components/payment-panel";
import { RefundPanel } from "../../_components/refund-panel";
import { ShippingForm } from "../../_components/shipping-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Order" };

export default async function OrderPage({ params }: PageProps<"/orders/[orderId]">) {
  const { orderId } = await params;
  const { caller } = await currentSession();
  const order = await caller.orders.get({ orderId }).catch((error: unknown) => {
    // Unknown, someone else's, or not an id at all: the same "not found" to the person.
    if (error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST")) notFound();
    throw error;
  });
  const [accounts, payments] = await Promise.all([caller.accounts.list(), caller.payments.list({ orderId })]);
  const payment = payments.items[0] ?? null;
  const refunds = payment ? (await caller.refunds.list({ paymentId: payment.id, limit: 100 })).items : [];
  const account = accounts.find((a) => a.id === order.accountId);
  const refundTimes = Object.fromEntries(refunds.map((r) => [r.id, formatDateTime(r.createdAt)]));

  return (
    <>
      <p className="breadcrumb">
        <Link href="/orders">Orders</Link> / <code>{order.id.slice(0, 8)}</code>
      </p>
      <h1>
        {order.description ?? "Order"} <span className={`badge badge-${order.status}`}>{order.status}</span>
      </h1>
      <dl className="facts card summary">
        <dt>Amount</dt>
        <dd className="num">{formatMoney(order.amount, order.currency)}</dd>
        <dt>Account</dt>
        <dd>{account?.name ?? order.accountId}</dd>
        <dt>Created</dt>
        <dd>{formatDateTime(order.createdAt)}</dd>
        <dt>Version</dt>
        <dd>{order.version}</dd>
        <dt>Order id</dt>
        <dd>
          <code>{order.id}</code>
        </dd>
      </dl>
      <div className="panels">
        <PaymentPanel order={order} payment={payment} account={account} />
        {payment ? <RefundPanel payment={payment} refunds={refunds} refundTimes={refundTimes} /> : null}
        <CancelOrderPanel order={order} />
        <ShippingForm order={order} />
      </div>
    </>
  );
}
