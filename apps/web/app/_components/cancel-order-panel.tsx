"use client";

import type { OrderResponse } from "@oncely/api";
import { serverCodeOf } from "@oncely/sdk";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { describeError } from "../../lib/errorText";
import { useTRPC } from "../../trpc/react";
import { OperationMessage } from "./operation-message";
import { usePaymentInFlight } from "./order-activity";
import { RetryTimeline } from "./retry-timeline";
import { useTimelineMutation } from "./use-timeline-mutation";

/**
 * Cancels a pending order, after asking. `orders.cancel` is naturally idempotent (cancelling
 * a cancelled order answers with it again), so retries are safe with or without a key. While
 * a payment of the order is in flight, Cancel waits for its answer. Paid orders are refused
 * by the API (`order_already_paid`): they are refunded instead.
 */
export function CancelOrderPanel({ order }: { order: OrderResponse }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [confirming, setConfirming] = useState(false);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const paying = usePaymentInFlight();
  const cancel = useTimelineMutation(trpc.orders.cancel, {
    // Paid elsewhere (another tab): show the order as it is now.
    onError: (error) => serverCodeOf(error) === "order_already_paid" && router.refresh(),
  });
  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);
  useEffect(() => {
    if (paying) setConfirming(false);
  }, [paying]);

  let error: string | null = null;
  if (cancel.isError) {
    error =
      serverCodeOf(cancel.error) === "order_already_paid"
        ? "It was paid in the meantime, so it cannot be cancelled. Refund its payment instead."
        : describeError(cancel.error);
  }

  return (
    <section className="card panel" aria-labelledby="cancel-heading">
      <h2 id="cancel-heading">Cancel</h2>
      {order.status === "pending" && !cancel.isSuccess ? (
        confirming ? (
          <fieldset className="confirm">
            <legend>Cancel this order? Nothing has been charged. Cancelling is final.</legend>
            <div className="form-actions">
              <button
                ref={confirmButton}
                type="button"
                className="danger"
                onClick={() => cancel.submit({ orderId: order.id })}
                disabled={cancel.isPending || paying}
              >
                {cancel.isPending ? "Cancelling…" : "Yes, cancel the order"}
              </button>
              <button
                type="button"
                className="secondary"
                onClick={() => setConfirming(false)}
                disabled={cancel.isPending}
              >
                Keep the order
              </button>
            </div>
          </fieldset>
        ) : (
          <div className="panel-action">
            <p>{paying ? "A payment is in flight: wait for its answer." : "Nothing has been charged yet."}</p>
            <button type="button" className="danger" onClick={() => setConfirming(true)} disabled={paying}>
              Cancel order…
            </button>
          </div>
        )
      ) : order.status === "paid" ? (
        <p className="muted">A paid order cannot be cancelled. Refund its payment instead.</p>
      ) : null}
      <OperationMessage error={error}>
        {cancel.isSuccess || order.status === "cancelled" ? "This order is cancelled." : null}
      </OperationMessage>
      {cancel.attempts.length > 0 || cancel.isPending ? (
        <RetryTimeline label="Cancellation" operation={cancel} />
      ) : null}
    </section>
  );
}
