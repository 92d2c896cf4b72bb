"use client";

import type { AccountResponse, OrderResponse } from "@oncely/api";
import { newIdempotencyKey, withMeta } from "@oncely/sdk";
import { useRouter } from "next/navigation";
import { type FormEvent, useId, useRef, useState, useTransition } from "react";
import { formatMoney, parseMoney } from "../lib/money";
import { browserClient } from "../trpc/client";

const CURRENCY = "USD";

type Status =
  | { kind: "idle" }
  | { kind: "pending"; message: string }
  | { kind: "created"; order: OrderResponse; replayed: boolean; attempts: number }
  | { kind: "error"; message: string };

/** The operation a key belongs to: the same form values submitted again reuse its key. */
interface PendingOperation {
  key: string;
  fingerprint: string;
}

export function CreateOrderForm({ accounts }: { accounts: AccountResponse[] }) {
  const router = useRouter();
  const ids = useId();
  const [status, setStatus] = useState<Status>({ kind: "idle" });
  const [amountError, setAmountError] = useState<string | null>(null);
  const [refreshing, startRefresh] = useTransition();
  // Kept until the operation succeeds: clicking again after a failure (or a double click)
  // sends the same key, so the order is still created at most once.
  const operation = useRef<PendingOperation | null>(null);
  const busy = status.kind === "pending";

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    const form = event.currentTarget;
    const data = new FormData(form);
    const accountId = String(data.get("accountId") ?? "");
    const description = String(data.get("description") ?? "").trim();
    const amount = parseMoney(String(data.get("amount") ?? ""), CURRENCY);
    if (!amount.ok) {
      setAmountError(amount.message);
      setStatus({ kind: "error", message: amount.message });
      return;
    }
    setAmountError(null);

    const input = {
      accountId,
      amount: amount.amountMinor,
      currency: CURRENCY,
      ...(description ? { description } : {}),
    };
    const fingerprint = JSON.stringify(input);
    if (operation.current?.fingerprint !== fingerprint) {
      operation.current = { key: newIdempotencyKey(), fingerprint };
    }
    const { key } = operation.current;

    setStatus({ kind: "pending", message: "Creating order…" });
    try {
      const {
        data: order,
        replayed,
        attempts,
      } = await withMeta((context) => browserClient().orders.create.mutate(input, { context }), {
        idempotencyKey: key,
        onAttempt: (attempt) =>
          setStatus({
            kind: "pending",
            message: `Attempt ${attempt.attempt} failed; retrying in ${Math.round(attempt.delayMs)} ms with the same key…`,
          }),
      });
      operation.current = null;
      form.reset();
      setStatus({ kind: "created", order, replayed, attempts });
      startRefresh(() => router.refresh());
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      setStatus({ kind: "error", message: `Could not create the order: ${message}` });
    }
  }

  if (accounts.length === 0) {
    return <p className="muted">No customer account to charge.</p>;
  }

  return (
    <form className="card form" onSubmit={onSubmit} aria-describedby={`${ids}-status`} noValidate>
      <div className="field">
        <label htmlFor={`${ids}-account`}>Account</label>
        <select id={`${ids}-account`} name="accountId" required disabled={busy}>
          {accounts.map((account) => (
            <option key={account.id} value={account.id}>
              {account.name} ({formatMoney(account.balance, account.currency)})
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${ids}-amount`}>Amount (USD)</label>
        <input
          id={`${ids}-amount`}
          name="amount"
          inputMode="decimal"
          autoComplete="off"
          placeholder="12.50"
          required
          disabled={busy}
          aria-invalid={amountError ? true : undefined}
          aria-describedby={amountError ? `${ids}-amount-error` : undefined}
        />
        {amountError ? (
          <span id={`${ids}-amount-error`} className="field-error">
            {amountError}
          </span>
        ) : null}
      </div>
      <div className="field field-wide">
        <label htmlFor={`${ids}-description`}>Description</label>
        <input
          id={`${ids}-description`}
          name="description"
          maxLength={500}
          autoComplete="off"
          placeholder="What is it for? (optional)"
          disabled={busy}
        />
      </div>
      <div className="form-actions">
        <button type="submit" disabled={busy}>
          {busy ? "Creating…" : "Create order"}
        </button>
        <p id={`${ids}-status`} className={`status status-${status.kind}`} role="status" aria-live="polite">
          <StatusText status={status} refreshing={refreshing} />
        </p>
      </div>
    </form>
  );
}

function StatusText({ status, refreshing }: { status: Status; refreshing: boolean }) {
  switch (status.kind) {
    case "idle":
      return null;
    case "pending":
    case "error":
      return status.message;
    case "created":
      return (
        <>
          Created order <code>{status.order.id.slice(0, 8)}</code> for{" "}
          {formatMoney(status.order.amount, status.order.currency)}
          {status.attempts > 1 ? ` after ${status.attempts} attempts` : null}
          {status.replayed ? <span className="badge badge-replayed">replayed</span> : null}
          {refreshing ? " · updating the list…" : null}
        </>
      );
  }
}
