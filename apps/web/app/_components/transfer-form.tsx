"use client";

import type { AccountResponse } from "@oncely/api";
import { serverCodeOf } from "@oncely/sdk";
import { outcomeIsUnknown } from "@oncely/sdk/react";
import Link from "next/link";
import { type FormEvent, useEffect, useId, useState } from "react";
import { describeError } from "../../lib/errorText";
import { formatMoney, parseMoney } from "../../lib/money";
import { useTRPC } from "../../trpc/react";
import { CopyId } from "./copy-id";
import { AccountSelect, AmountInput } from "./form-fields";
import { OperationMessage } from "./operation-message";
import { AttemptSummary, RetryTimeline } from "./retry-timeline";
import { useActingPrincipal } from "./session-context";
import { useTimelineMutation } from "./use-timeline-mutation";

const CURRENCY = "USD";

interface TransferInput {
  fromAccountId: string;
  toAccountId: string;
  amount: number;
  currency: string;
}

/**
 * The transfer whose outcome is unknown, kept beside its key (which the SDK keeps) so that
 * after a reload the page can say which transfer it was and resend exactly it. This page's
 * choice: the SDK itself never stores an input.
 */
function pendingTransferStore(principal: string) {
  const name = `oncely:web:transfer-input@${principal}`;
  return {
    load(): TransferInput | null {
      try {
        const value = JSON.parse(sessionStorage.getItem(name) ?? "null") as TransferInput | null;
        return value && typeof value.amount === "number" ? value : null;
      } catch {
        return null;
      }
    },
    save(input: TransferInput) {
      try {
        sessionStorage.setItem(name, JSON.stringify(input));
      } catch {}
    },
    forget() {
      try {
        sessionStorage.removeItem(name);
      } catch {}
    },
  };
}

/**
 * Moves money between two of your accounts. While the outcome is unknown, the operation's key
 * (and which transfer it was) is kept in sessionStorage, so after a reload in the middle of
 * retries the page offers to resume that transfer with its key: the server replays it
 * instead of moving the money a second time. Once the answer is in, the next transfer, even
 * an identical one, is a new transfer.
 */
export function TransferForm({ accounts }: { accounts: AccountResponse[] }) {
  const trpc = useTRPC();
  const ids = useId();
  const principal = useActingPrincipal();
  const [store] = useState(() => pendingTransferStore(principal));
  const [formError, setFormError] = useState<{ field: "amount" | "toAccountId"; message: string } | null>(null);
  const [resumable, setResumable] = useState<TransferInput | null>(null);
  // After a success: "Make another transfer" brings the form back. No reset is needed for a new
  // key: the success ended the operation, so the next submit, even of the same transfer, is a
  // new one (the SDK's rule).
  const [another, setAnother] = useState(false);
  const transfer = useTimelineMutation(trpc.transfers.create, {
    persistAs: "transfer",
    onSuccess: () => store.forget(),
    onError: (error) => {
      if (!outcomeIsUnknown(error)) store.forget();
    },
  });
  const busy = transfer.isPending;
  const byId = new Map(accounts.map((a) => [a.id, a]));
  const name = (id: string) => byId.get(id)?.name ?? id;

  const started = transfer.isPending || transfer.isSuccess || transfer.isError;
  const keptKey = started ? undefined : transfer.idempotencyKey;
  // After a reload: the kept key (the SDK restores it after mount) and the transfer it belongs to.
  useEffect(() => {
    if (!keptKey) {
      setResumable(null);
      return;
    }
    const saved = store.load();
    if (saved) setResumable(saved);
  }, [keptKey, store]);

  function send(input: TransferInput) {
    store.save(input);
    setResumable(null);
    setAnother(false);
    transfer.submit(input);
  }

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
    send({ fromAccountId, toAccountId, amount: amount.amountMinor, currency: CURRENCY });
  }

  function discard() {
    store.forget();
    setResumable(null);
    transfer.startOver();
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
  const showResult = !another;
  const done = transfer.isSuccess && showResult ? transfer.data : undefined;

  return (
    <form className="card form form-three" onSubmit={onSubmit} noValidate>
      {resumable && keptKey ? (
        <fieldset className="resume field-wide" data-testid="resume-transfer">
          <legend>A transfer was sent before the page was reloaded, and its outcome is not known yet</legend>
          <p>
            {formatMoney(resumable.amount, resumable.currency)} from {name(resumable.fromAccountId)} to{" "}
            {name(resumable.toAccountId)}, key <CopyId id={keptKey} label="transfer key" />. Resuming sends it again
            with the same key: if it already happened, the server answers with that, and the money moves at most once.
          </p>
          <div className="form-actions">
            <button type="button" onClick={() => send(resumable)}>
              Resume this transfer
            </button>
            <button type="button" className="secondary" onClick={discard}>
              Forget it
            </button>
          </div>
        </fieldset>
      ) : null}
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
        {transfer.isSuccess && !another ? (
          // Keys: two elements, so a click on this one is never taken as a click on the submit
          // button React would otherwise turn it into (which would send the form at once).
          <button key="another" type="button" onClick={() => setAnother(true)}>
            Make another transfer
          </button>
        ) : (
          <button key="submit" type="submit" disabled={busy}>
            {busy ? "Transferring…" : "Transfer"}
          </button>
        )}
      </div>
      <div className="field-wide">
        <OperationMessage error={showResult ? error : null}>
          {done ? (
            <>
              Moved {formatMoney(done.amount, done.currency)} from {name(done.fromAccountId)} to{" "}
              {name(done.toAccountId)}
              <AttemptSummary meta={transfer.meta} />. <Link href={`/transfers/${done.id}`}>See the transfer</Link>
            </>
          ) : null}
        </OperationMessage>
        {showResult ? (
          <RetryTimeline label="Transfer" operation={transfer} hideResumeNotice={resumable !== null} />
        ) : null}
      </div>
    </form>
  );
}
