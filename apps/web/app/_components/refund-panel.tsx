"use client";

import type { PaymentResponse, RefundResponse } from "@oncely/api";
import { serverCodeOf } from "@oncely/sdk";
import { type FormEvent, useId, useState } from "react";
import { formError } from "../../lib/errorText";
import { formatMoney, parseMoney } from "../../lib/money";
import { useTRPC } from "../../trpc/react";
import { CopyId } from "./copy-id";
import { AmountInput } from "./form-fields";
import { LocalTime } from "./local-time";
import { OperationMessage } from "./operation-message";
import { AttemptSummary, RetryTimeline } from "./retry-timeline";
import { useTimelineMutation } from "./use-timeline-mutation";

/**
 * Partial or full refunds of one payment. One refund = one key while its outcome is unknown:
 * a double click refunds once; after an answer, the next refund (even of the same amount) is
 * a new one.
 */
export function RefundPanel({ payment, refunds }: { payment: PaymentResponse; refunds: RefundResponse[] }) {
  const trpc = useTRPC();
  const ids = useId();
  const [amountError, setAmountError] = useState<string | null>(null);
  const refund = useTimelineMutation(trpc.refunds.create, { persistAs: `refund:${payment.id}` });
  const left = payment.amount - payment.refundedAmount;
  const money = (minor: number) => formatMoney(minor, payment.currency);

  function send(amountMinor: number) {
    setAmountError(null);
    refund.submit({ paymentId: payment.id, amount: amountMinor });
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const amount = parseMoney(String(new FormData(event.currentTarget).get("amount") ?? ""), payment.currency);
    if (!amount.ok) {
      setAmountError(amount.message);
      document.getElementById(`${ids}-amount`)?.focus();
      return;
    }
    send(amount.amountMinor);
  }

  const refused = refund.isError ? formError(refund.error, ["amount"]) : null;
  let error: string | null = null;
  if (refund.isError) {
    error =
      serverCodeOf(refund.error) === "refund_exceeds_payment"
        ? `That is more than is left to refund: ${money(left)} of ${money(payment.amount)} can still be refunded. Nothing was refunded.`
        : (refused?.message ?? null);
  }
  const done = refund.isSuccess;

  return (
    <section className="card panel" aria-labelledby="refund-heading">
      <h2 id="refund-heading">Refunds</h2>
      <p>
        {left > 0 ? (
          <>
            {money(left)} of {money(payment.amount)} can still be refunded.
          </>
        ) : (
          <>The whole payment ({money(payment.amount)}) is refunded.</>
        )}
      </p>
      {left > 0 || refund.isPending ? (
        <form className="inline-form" onSubmit={onSubmit} onChange={() => done && refund.startOver()} noValidate>
          <AmountInput
            id={`${ids}-amount`}
            label={`Refund amount (${payment.currency})`}
            placeholder="5.00"
            disabled={refund.isPending}
            error={amountError ?? refused?.fields.amount}
          />
          <button type="submit" disabled={refund.isPending || done}>
            {refund.isPending ? "Refunding…" : "Refund"}
          </button>
          <button
            type="button"
            className="secondary"
            // Enabled again once the page shows the new balance: a new amount is a new refund.
            disabled={refund.isPending || refund.refreshing || left <= 0}
            onClick={() => send(left)}
          >
            Refund all that is left ({money(left)})
          </button>
        </form>
      ) : null}
      {done && left > 0 ? <p className="muted">Change the amount to make another refund.</p> : null}
      <OperationMessage error={error}>
        {refund.isSuccess && refund.data ? (
          <>
            Refunded {money(refund.data.amount)}
            <AttemptSummary meta={refund.meta} />
          </>
        ) : null}
      </OperationMessage>
      <RetryTimeline label="Refund" operation={refund} />
      {refunds.length > 0 ? (
        <table className="table compact cards" aria-label="Refunds of this payment">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col" className="num">
                Amount
              </th>
              <th scope="col">Refund id</th>
            </tr>
          </thead>
          <tbody>
            {refunds.map((r) => (
              <tr key={r.id} data-refund-id={r.id}>
                <td data-label="When">
                  <LocalTime iso={r.createdAt} />
                </td>
                <td data-label="Amount" className="num">
                  {money(r.amount)}
                </td>
                <td data-label="Refund id">
                  <CopyId id={r.id} label="refund id" short />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
