"use client";

import type { OrderResponse } from "@oncely/api";
import { serverCodeOf } from "@oncely/sdk";
import { useRouter } from "next/navigation";
import { type FormEvent, useId, useState } from "react";
import { describeError } from "../../lib/errorText";
import { useTRPC } from "../../trpc/react";
import { OperationMessage } from "./operation-message";
import { RetryTimeline } from "./retry-timeline";
import { useTimelineMutation } from "./use-timeline-mutation";

const FIELDS = [
  { name: "name", label: "Name", autoComplete: "shipping name", required: true },
  { name: "line1", label: "Address line 1", autoComplete: "shipping address-line1", required: true },
  { name: "line2", label: "Address line 2 (optional)", autoComplete: "shipping address-line2", required: false },
  { name: "city", label: "City", autoComplete: "shipping address-level2", required: true },
  { name: "postalCode", label: "Postal code", autoComplete: "shipping postal-code", required: true },
  { name: "country", label: "Country (2 letters, e.g. US)", autoComplete: "shipping country", required: true },
] as const;

type FieldName = (typeof FIELDS)[number]["name"];

/**
 * Replaces the shipping address with optimistic locking: the form sends the version it was
 * rendered from. If the order changed in between, the API refuses (412 version_mismatch),
 * nothing is saved, and the page reloads the latest version for the person to check.
 */
export function ShippingForm({ order }: { order: OrderResponse }) {
  const trpc = useTRPC();
  const ids = useId();
  const [missing, setMissing] = useState<FieldName[]>([]);
  const [conflictFromVersion, setConflictFromVersion] = useState<number | null>(null);
  const router = useRouter();
  const save = useTimelineMutation(trpc.orders.updateShipping, {
    onSuccess: () => setConflictFromVersion(null),
    onError: (error, input) => {
      if (serverCodeOf(error) !== "version_mismatch") return;
      // Remember which version the refused save started from, and show the latest one.
      setConflictFromVersion(input.expectedVersion);
      router.refresh();
    },
  });
  const current = order.shipping;

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const value = (name: FieldName) => String(data.get(name) ?? "").trim();
    const empty = FIELDS.filter((f) => f.required && !value(f.name)).map((f) => f.name);
    setMissing(empty);
    if (empty[0]) {
      document.getElementById(`${ids}-${empty[0]}`)?.focus();
      return;
    }
    setConflictFromVersion(null);
    save.submit({
      orderId: order.id,
      expectedVersion: order.version,
      shipping: {
        name: value("name"),
        line1: value("line1"),
        ...(value("line2") ? { line2: value("line2") } : {}),
        city: value("city"),
        postalCode: value("postalCode"),
        country: value("country").toUpperCase(),
      },
    });
  }

  let error: string | null = null;
  if (save.isError) {
    if (serverCodeOf(save.error) === "version_mismatch") {
      error = `This order was changed somewhere else while you were editing it (you started from version ${
        conflictFromVersion ?? "?"
      }; it is now at version ${order.version}). Your address was not saved. The latest saved address is shown above: check it, then save again.`;
    } else {
      error = describeError(save.error);
    }
  }

  return (
    <section className="card panel" aria-labelledby="shipping-heading">
      <h2 id="shipping-heading">Shipping address</h2>
      <p className="muted" data-testid="current-shipping">
        {current
          ? `Saved (version ${order.version}): ${[current.name, current.line1, current.line2, `${current.postalCode} ${current.city}`, current.country].filter(Boolean).join(", ")}`
          : `No address yet (order version ${order.version}).`}
      </p>
      {order.status === "cancelled" ? (
        <p className="muted">A cancelled order's address cannot change.</p>
      ) : (
        <form className="form" onSubmit={onSubmit} onChange={() => save.isSuccess && save.startOver()} noValidate>
          {FIELDS.map((field) => {
            const invalid = missing.includes(field.name);
            return (
              <div className="field" key={field.name}>
                <label htmlFor={`${ids}-${field.name}`}>{field.label}</label>
                <input
                  id={`${ids}-${field.name}`}
                  name={field.name}
                  autoComplete={field.autoComplete}
                  defaultValue={current?.[field.name] ?? ""}
                  maxLength={field.name === "country" ? 2 : 200}
                  required={field.required}
                  disabled={save.isPending}
                  aria-invalid={invalid ? true : undefined}
                  aria-describedby={invalid ? `${ids}-${field.name}-error` : undefined}
                />
                {invalid ? (
                  <span id={`${ids}-${field.name}-error`} className="field-error">
                    Enter the {field.label.toLowerCase().replace(/ \(.*\)$/, "")}
                  </span>
                ) : null}
              </div>
            );
          })}
          <div className="form-actions">
            <button type="submit" disabled={save.isPending || save.isSuccess}>
              {save.isPending ? "Saving…" : "Save address"}
            </button>
          </div>
        </form>
      )}
      <OperationMessage error={error}>
        {save.isSuccess && save.data ? (
          <>
            Address saved (order version {save.data.version}).
            {save.meta?.replayed ? <span className="badge badge-replayed">replayed</span> : null}
          </>
        ) : null}
      </OperationMessage>
      <RetryTimeline label="Address change" operation={save} />
    </section>
  );
}
