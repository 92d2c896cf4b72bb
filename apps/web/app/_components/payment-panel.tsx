"use client";

import type { AccountResponse, OrderResponse, PaymentResponse } from "@oncely/api";
import { serverCodeOf } from "@oncely/sdk";
import { useRouter } from "next/navigation";
import { describeError } from "../../lib/errorText";
import { formatMoney } from "../../lib/money";
import { useTRPC } from "../../trpc/react";
import { CopyId } from "./copy-id";
import { OperationMessage } from "./operation-message";
import { useReportPayment } from "./order-activity";
import { AttemptSummary, RetryTimeline } from "./retry-timeline";
import { useTimelineMutation } from "./use-timeline-mutation";

/** Refusals after which the page shows the order and balances as they are now. */
const REFRESH_AFTER = new Set(["order_already_paid", "order_cancelled", "insufficient_funds"]);

const PAYMENT_STATUS_TEXT = {
  succeeded: "Paid",
  partially_refunded: "Partly refunded",
  refunded: "Refunded",
} as const;

/**
 * Pays an order once. While the outcome is unknown its key is kept in sessionStorage per order,
 * so a double click joins the first request, and a click after a lost answer (or a reload)
 * replays it. A refusal (not enough money) is final: topping the account up and paying again
 * is a new payment with a new key.
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
    onError: (error) => REFRESH_AFTER.has(serverCodeOf(error) ?? "") && router.refresh(),
  });
  useReportPayment(pay.isPending);
  const amount = formatMoney(order.amount, order.currency);
  const shown = payment ?? pay.data ?? null;

  let error: string | null = null;
  if (pay.isError) {
    error =
      serverCodeOf(pay.error) === "insufficient_funds" && account
        ? `Not enough money: ${account.name} holds ${formatMoney(account.balance, account.currency)}, and this order needs ${amount}. Nothing was charged. Add money to the account, then pay again.`
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
          <dt>Payment id</dt>
          <dd>
            <CopyId id={shown.id} label="payment id" />
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
            <AttemptSummary meta={pay.meta} />.
          </>
        ) : null}
      </OperationMessage>
      {shown && !pay.isSuccess && !pay.isPending ? null : <RetryTimeline label="Payment" operation={pay} />}
    </section>
  );
}
