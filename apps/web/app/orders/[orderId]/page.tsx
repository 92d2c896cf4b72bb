import type { Metadata } from "next";
import Link from "next/link";
import { formatMoney } from "../../../lib/money";
import { orderDisplayStatus } from "../../../lib/orderStatus";
import { orNotFound } from "../../../server/missing";
import { requireSession } from "../../../server/principal";
import { CancelOrderPanel } from "../../_components/cancel-order-panel";
import { CopyId } from "../../_components/copy-id";
import { LocalTime } from "../../_components/local-time";
import { OrderActivity } from "../../_components/order-activity";
import { PaymentPanel } from "../../_components/payment-panel";
import { RefundPanel } from "../../_components/refund-panel";
import { ShippingForm } from "../../_components/shipping-form";
import { OrderStatusBadge } from "../../_components/status-badge";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Order" };

export default async function OrderPage({ params }: PageProps<"/orders/[orderId]">) {
  const { orderId } = await params;
  const { caller } = await requireSession();
  const order = await orNotFound(caller.orders.get({ orderId }));
  const [accounts, payments] = await Promise.all([caller.accounts.list(), caller.payments.list({ orderId })]);
  const payment = payments.items[0] ?? null;
  const refunds = payment ? (await caller.refunds.list({ paymentId: payment.id, limit: 100 })).items : [];
  const account = accounts.find((a) => a.id === order.accountId);

  return (
    <>
      <p className="breadcrumb">
        <Link href="/orders">Orders</Link> / Order <code>{order.id.slice(0, 8)}</code>
      </p>
      <h1>
        {order.description ?? "Order"} <OrderStatusBadge status={orderDisplayStatus(order, payment)} />
      </h1>
      <dl className="facts card summary">
        <dt>Amount</dt>
        <dd className="num">{formatMoney(order.amount, order.currency)}</dd>
        <dt>Account</dt>
        <dd>{account ? <Link href={`/ledger?account=${account.id}`}>{account.name}</Link> : order.accountId}</dd>
        <dt>Created</dt>
        <dd>
          <LocalTime iso={order.createdAt} />
        </dd>
        <dt>Version</dt>
        <dd>{order.version}</dd>
        <dt>Order id</dt>
        <dd>
          <CopyId id={order.id} label="order id" />
        </dd>
      </dl>
      <OrderActivity>
        <div className="panels">
          <PaymentPanel order={order} payment={payment} account={account} />
          {payment ? <RefundPanel payment={payment} refunds={refunds} /> : null}
          <CancelOrderPanel order={order} />
          <ShippingForm order={order} />
        </div>
      </OrderActivity>
    </>
  );
}
