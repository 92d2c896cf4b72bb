"use client";

import type { AccountResponse, OrderResponse, PaymentResponse } from "@oncely/api";
import { serverCodeOf } from "@oncely/sdk";
import { useRouter } from "next/navigation";
import { describeError } from "../../lib/errorText";
import { formatMoney } from "../../lib/money";
import { useTRPC } from "../../trpc/react";
import { OperationMessage } from "./operation-message";
import { AttemptSummary, RetryTimeline } from "./retry-timeline";
import { useTimelineMutation } from "./use-timeline-mutation";

const STALE_ORDER_CODES = new Set(["order_already_paid", "order_cancelled"]);

const PAYMENT_STATUS_TEXT = {
  succeeded: "Paid",
  partially_refunded: "Partly refunded",
  refunded: "Fully refunded",
} as const;

/**
 * Pays an order once. Its key is kept in sessionStorage per order, so a double click joins
 * the first request, a click after a lost answer replays it, and so does one after a reload.
 */
export function PaymentPanel({
  order,
  payment,
  account,
}: {
  order: OrderResponse;
  payment: PaymentResponse | null;
  account: AccountResponse | undefined;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const pay = useTimelineMutation(trpc.payments.create, {
    persistAs: `pay:${order.id}`,
    // Paid or cancelled elsewhere (another tab): show the order as it is now.
    onError: (error) => STALE_ORDER_CODES.has(serverCodeOf(error) ?? "") && router.refresh(),
  });
  const amount = formatMoney(order.amount, order.currency);
  const shown = payment ?? pay.data ?? null;

  let error: string | null = null;
  if (pay.isError) {
    error =
      serverCodeOf(pay.error) === "insufficient_funds" && account
        ? `${account.name} holds ${formatMoney(account.balance, account.currency)}, not enough for ${amount}. Nothing was charged.`
        : describeError(pay.error);
  }

  return (
    <section className="card panel" aria-labelledby="payment-heading">
      <h2 id="payment-heading">Payment</h2>
      {shown ? (
        <dl className="facts">
          <dt>Status</dt>
          <dd>
            <span className={`badge badge-${shown.status}`}>{PAYMENT_STATUS_TEXT[shown.status]}</span>
          </dd>
          <dt>Charged</dt>
          <dd className="num">{formatMoney(shown.amount, shown.currency)}</dd>
          <dt>Refunded</dt>
          <dd className="num">{formatMoney(shown.refundedAmount, shown.currency)}</dd>
          <dt>Payment</dt>
          <dd>
            <code title={shown.id}>{shown.id.slice(0, 8)}</code>
          </dd>
        </dl>
      ) : order.status === "cancelled" ? (
        <p className="muted">This order is cancelled, so it cannot be paid.</p>
      ) : (
        <div className="panel-action">
          <p>
            Charge {amount} from {account?.name ?? "the order's account"} to your shop.
          </p>
          <button type="button" onClick={() => pay.submit({ orderId: order.id })} disabled={pay.isPending}>
            {pay.isPending ? "Paying…" : `Pay ${amount}`}
          </button>
        </div>
      )}
      <OperationMessage error={error}>
        {pay.isSuccess && pay.data ? (
          <>
            Paid {formatMoney(pay.data.amount, pay.data.currency)}
            <AttemptSummary meta={pay.meta} />
            {pay.meta?.replayed ? " — charged once; this is the stored answer." : null}
          </>
        ) : null}
      </OperationMessage>
      {shown && !pay.isSuccess && !pay.isPending ? null : <RetryTimeline label="Payment" operation={pay} />}
    </section>
  );
}
