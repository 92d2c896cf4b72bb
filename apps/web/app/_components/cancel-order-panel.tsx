"use client";

import type { OrderResponse } from "@oncely/api";
import { serverCodeOf } from "@oncely/sdk";
import { useRouter } from "next/navigation";
import { describeError } from "../../lib/errorText";
import { useTRPC } from "../../trpc/react";
import { OperationMessage } from "./operation-message";
import { RetryTimeline } from "./retry-timeline";
import { useTimelineMutation } from "./use-timeline-mutation";

/**
 * Cancels a pending order. `orders.cancel` is naturally idempotent (cancelling a cancelled order
 * answers with it again), so retries are safe with or without a key. Paid orders are refused by
 * the API (`order_already_paid`): they are refunded instead.
 */
export function CancelOrderPanel({ order }: { order: OrderResponse }) {
  const trpc = useTRPC();
  const router = useRouter();
  const cancel = useTimelineMutation(trpc.orders.cancel, {
    // Paid elsewhere (another tab): show the order as it is now.
    onError: (error) => serverCodeOf(error) === "order_already_paid" && router.refresh(),
  });

  let error: string | null = null;
  if (cancel.isError) {
    error =
      serverCodeOf(cancel.error) === "order_already_paid"
        ? "A paid order cannot be cancelled. Refund its payment instead."
        : describeError(cancel.error);
  }

  return (
    <section className="card panel" aria-labelledby="cancel-heading">
      <h2 id="cancel-heading">Cancel</h2>
      {order.status === "pending" ? (
        <div className="panel-action">
          <p>Nothing has been charged yet. Cancelling is final.</p>
          <button
            type="button"
            className="danger"
            onClick={() => cancel.submit({ orderId: order.id })}
            disabled={cancel.isPending}
          >
            {cancel.isPending ? "Cancelling…" : "Cancel order"}
          </button>
        </div>
      ) : order.status === "paid" ? (
        <p className="muted">A paid order cannot be cancelled. Refund its payment instead.</p>
      ) : (
        <p>This order is cancelled.</p>
      )}
      <OperationMessage error={error}>
        {cancel.isSuccess ? (
          <>
            Order cancelled.
            {cancel.meta?.replayed ? <span className="badge badge-replayed">replayed</span> : null}
          </>
        ) : null}
      </OperationMessage>
      <RetryTimeline label="Cancellation" operation={cancel} />
    </section>
  );
}
