"use client";

import type { AccountResponse } from "@oncely/api";
import { serverCodeOf } from "@oncely/sdk";
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
 * Moves money between two of your accounts. The operation's key is kept in sessionStorage, so
 * after a reload in the middle of retries, sending the same transfer again finishes the first
 * one (the server replays it) instead of moving the money a second time.
 */
export function TransferForm({ accounts }: { accounts: AccountResponse[] }) {
  const trpc = useTRPC();
  const ids = useId();
  const [formError, setFormError] = useState<{ field: "amount" | "toAccountId"; message: string } | null>(null);
  const transfer = useTimelineMutation(trpc.transfers.create, { persistAs: "transfer" });
  const busy = transfer.isPending;
  const byId = new Map(accounts.map((a) => [a.id, a]));

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const fromAccountId = String(data.get("fromAccountId") ?? "");
    const toAccountId = String(data.get("toAccountId") ?? "");
    const amount = parseMoney(String(data.get("amount") ?? ""), CURRENCY);
    if (!amount.ok) {
      setFormError({ field: "amount", message: amount.message });
      document.getElementById(`${ids}-amount`)?.focus();
      return;
    }
    if (fromAccountId === toAccountId) {
      setFormError({ field: "toAccountId", message: "Pick two different accounts" });
      document.getElementById(`${ids}-to`)?.focus();
      return;
    }
    setFormError(null);
    transfer.submit({ fromAccountId, toAccountId, amount: amount.amountMinor, currency: CURRENCY });
  }

  let error: string | null = null;
  if (transfer.isError) {
    const sent = transfer.variables;
    const from = sent ? byId.get(sent.fromAccountId) : undefined;
    error =
      serverCodeOf(transfer.error) === "insufficient_funds" && sent && from
        ? `Not enough money: ${from.name} holds ${formatMoney(from.balance, from.currency)}, and this transfer needs ${formatMoney(sent.amount, sent.currency)}. Nothing was moved.`
        : describeError(transfer.error);
  }
  const done = transfer.isSuccess && transfer.data;

  return (
    <form
      className="card form form-three"
      onSubmit={onSubmit}
      onChange={() => transfer.isSuccess && transfer.startOver()}
      noValidate
    >
      <AccountSelect
        id={`${ids}-from`}
        label="From"
        name="fromAccountId"
        accounts={accounts}
        disabled={busy}
        defaultValue={accounts[0]?.id}
      />
      <AccountSelect
        id={`${ids}-to`}
        label="To"
        name="toAccountId"
        accounts={accounts}
        disabled={busy}
        defaultValue={accounts[1]?.id}
        invalidBecauseOf={formError?.field === "toAccountId" ? `${ids}-form-error` : null}
      />
      <AmountInput
        id={`${ids}-amount`}
        label="Amount (USD)"
        placeholder="25.00"
        disabled={busy}
        invalidBecauseOf={formError?.field === "amount" ? `${ids}-form-error` : null}
      />
      {formError ? (
        <span id={`${ids}-form-error`} className="field-error field-wide">
          {formError.message}
        </span>
      ) : null}
      <div className="form-actions">
        <button type="submit" disabled={busy || transfer.isSuccess}>
          {busy ? "Transferring…" : "Transfer"}
        </button>
        {transfer.isSuccess ? <span className="muted">Change the form to make another transfer.</span> : null}
      </div>
      <div className="field-wide">
        <OperationMessage error={error}>
          {done ? (
            <>
              Moved {formatMoney(done.amount, done.currency)} from {byId.get(done.fromAccountId)?.name} to{" "}
              {byId.get(done.toAccountId)?.name}
              <AttemptSummary meta={transfer.meta} />
            </>
          ) : null}
        </OperationMessage>
        <RetryTimeline label="Transfer" operation={transfer} />
      </div>
    </form>
  );
}
