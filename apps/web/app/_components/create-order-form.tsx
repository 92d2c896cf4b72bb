"use client";

import type { AccountResponse } from "@oncely/api";
import Link from "next/link";
import { type FormEvent, useId, useRef, useState } from "react";
import { formError } from "../../lib/errorText";
import { formatMoney, parseMoney } from "../../lib/money";
import { useTRPC } from "../../trpc/react";
import { AccountSelect, AmountInput } from "./form-fields";
import { OperationMessage } from "./operation-message";
import { AttemptSummary, RetryTimeline } from "./retry-timeline";
import { useTimelineMutation } from "./use-timeline-mutation";

const CURRENCY = "USD";
const MAX_DESCRIPTION = 500;

/**
 * Creates an order through the SDK. A double click or a resubmit while the outcome is unknown
 * (a lost answer, a reload) is the same operation with the same key, so the order is created
 * once. After a success the form offers "Create another", which clears it for a new order.
 */
export function CreateOrderForm({ accounts }: { accounts: AccountResponse[] }) {
  const trpc = useTRPC();
  const ids = useId();
  const form = useRef<HTMLFormElement>(null);
  const [amountError, setAmountError] = useState<string | null>(null);
  const create = useTimelineMutation(trpc.orders.create, { persistAs: "create-order" });
  const busy = create.isPending;
  const refused = create.isError ? formError(create.error, ["accountId", "amount", "description"]) : null;
  const serverFields: Record<string, string> = refused?.fields ?? {};

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

  function createAnother() {
    form.current?.reset();
    setAmountError(null);
    create.startOver();
    document.getElementById(`${ids}-amount`)?.focus();
  }

  // After a success, a change of the form is a new order: forget the finished one.
  const onChange = () => {
    if (create.isSuccess) create.startOver();
  };

  if (accounts.length === 0) return <p className="card muted">No customer account to charge.</p>;

  return (
    <form ref={form} className="card form" onSubmit={onSubmit} onChange={onChange} noValidate>
      <AccountSelect
        id={`${ids}-account`}
        label="Account"
        name="accountId"
        accounts={accounts}
        required
        disabled={busy}
        error={serverFields.accountId}
      />
      <AmountInput
        id={`${ids}-amount`}
        label="Amount (USD)"
        placeholder="12.50"
        required
        disabled={busy}
        error={amountError ?? serverFields.amount}
      />
      <div className="field field-wide">
        <label htmlFor={`${ids}-description`}>Description (optional)</label>
        <input
          id={`${ids}-description`}
          name="description"
          maxLength={MAX_DESCRIPTION}
          autoComplete="off"
          placeholder="Bicycle bell"
          disabled={busy}
          aria-invalid={serverFields.description ? true : undefined}
          aria-describedby={serverFields.description ? `${ids}-description-error` : `${ids}-description-hint`}
        />
        {serverFields.description ? (
          <span id={`${ids}-description-error`} className="field-error">
            {serverFields.description}
          </span>
        ) : null}
        <span id={`${ids}-description-hint`} className="hint">
          Up to {MAX_DESCRIPTION} characters.
        </span>
      </div>
      <div className="form-actions">
        {create.isSuccess ? (
          // Keys: two elements, so a click on this one is never taken as a click on the submit
          // button React would otherwise turn it into (which would send the form at once).
          <button key="another" type="button" onClick={createAnother}>
            Create another
          </button>
        ) : (
          <button key="submit" type="submit" disabled={busy}>
            {busy ? "Creating…" : "Create order"}
          </button>
        )}
      </div>
      <div className="field-wide">
        <OperationMessage error={refused?.message ?? null}>
          {create.isSuccess && create.data ? (
            <>
              Created order{" "}
              <Link href={`/orders/${create.data.id}`}>
                {create.data.description ?? `for ${formatMoney(create.data.amount, create.data.currency)}`}
              </Link>{" "}
              ({formatMoney(create.data.amount, create.data.currency)})
              <AttemptSummary meta={create.meta} />.{create.refreshing ? " Updating the list…" : null}
            </>
          ) : null}
        </OperationMessage>
        <RetryTimeline label="Order" operation={create} />
      </div>
    </form>
  );
}
