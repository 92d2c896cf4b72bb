"use client";

import type { AccountResponse } from "@oncely/api";
import Link from "next/link";
import { type FormEvent, useId, useState } from "react";
import { describeError } from "../../lib/errorText";
import { formatMoney, parseMoney } from "../../lib/money";
import { useTRPC } from "../../trpc/react";
import { AccountSelect, AmountInput } from "./form-fields";
import { OperationMessage } from "./operation-message";
import { AttemptSummary, RetryTimeline } from "./retry-timeline";
import { useTimelineMutation } from "./use-timeline-mutation";

const CURRENCY = "USD";

/**
 * Creates an order through the SDK. The same values submitted again (a double click, a resubmit
 * after a lost answer, or after a reload) are the same operation with the same key, so the
 * order is created once; changing the form after a success starts a new operation.
 */
export function CreateOrderForm({ accounts }: { accounts: AccountResponse[] }) {
  const trpc = useTRPC();
  const ids = useId();
  const [amountError, setAmountError] = useState<string | null>(null);
  const create = useTimelineMutation(trpc.orders.create, { persistAs: "create-order" });
  const busy = create.isPending;

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const amount = parseMoney(String(data.get("amount") ?? ""), CURRENCY);
    if (!amount.ok) {
      setAmountError(amount.message);
      document.getElementById(`${ids}-amount`)?.focus();
      return;
    }
    setAmountError(null);
    const description = String(data.get("description") ?? "").trim();
    create.submit({
      accountId: String(data.get("accountId") ?? ""),
      amount: amount.amountMinor,
      currency: CURRENCY,
      ...(description ? { description } : {}),
    });
  }

  // After a success the next change is a new order: forget the finished operation's key.
  const onChange = () => {
    if (create.isSuccess) create.startOver();
  };

  if (accounts.length === 0) return <p className="card muted">No customer account to charge.</p>;

  return (
    <form className="card form" onSubmit={onSubmit} onChange={onChange} noValidate>
      <AccountSelect
        id={`${ids}-account`}
        label="Account"
        name="accountId"
        accounts={accounts}
        required
        disabled={busy}
      />
      <AmountInput
        id={`${ids}-amount`}
        label="Amount (USD)"
        placeholder="12.50"
        required
        disabled={busy}
        error={amountError}
      />
      <div className="field field-wide">
        <label htmlFor={`${ids}-description`}>Description</label>
        <input
          id={`${ids}-description`}
          name="description"
          maxLength={500}
          autoComplete="off"
          placeholder="Bicycle bell"
          disabled={busy}
        />
      </div>
      <div className="form-actions">
        <button type="submit" disabled={busy || create.isSuccess}>
          {busy ? "Creating…" : "Create order"}
        </button>
        {create.isSuccess ? <span className="muted">Change the form to create another order.</span> : null}
      </div>
      <div className="field-wide">
        <OperationMessage error={create.isError ? describeError(create.error) : null}>
          {create.isSuccess && create.data ? (
            <>
              Created order{" "}
              <Link href={`/orders/${create.data.id}`}>
                <code>{create.data.id.slice(0, 8)}</code>
              </Link>{" "}
              for {formatMoney(create.data.amount, create.data.currency)}
              <AttemptSummary meta={create.meta} />
              {create.refreshing ? " · updating the list…" : null}
            </>
          ) : null}
        </OperationMessage>
        <RetryTimeline label="Order" operation={create} />
      </div>
    </form>
  );
}
