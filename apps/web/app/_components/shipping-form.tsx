"use client";

import type { OrderResponse } from "@oncely/api";
import { serverCodeOf } from "@oncely/sdk";
import { useRouter } from "next/navigation";
import { type FormEvent, useId, useState } from "react";
import { describeError, formError } from "../../lib/errorText";
import { useTRPC } from "../../trpc/react";
import { OperationMessage } from "./operation-message";
import { RetryTimeline } from "./retry-timeline";
import { useTimelineMutation } from "./use-timeline-mutation";

// The API's limits (orders.ts shippingSchema), so the form refuses what the server refuses.
const FIELDS = [
  { name: "name", label: "Name", autoComplete: "shipping name", required: true, max: 200 },
  { name: "line1", label: "Address line 1", autoComplete: "shipping address-line1", required: true, max: 200 },
  {
    name: "line2",
    label: "Address line 2 (optional)",
    autoComplete: "shipping address-line2",
    required: false,
    max: 200,
  },
  { name: "city", label: "City", autoComplete: "shipping address-level2", required: true, max: 100 },
  { name: "postalCode", label: "Postal code", autoComplete: "shipping postal-code", required: true, max: 20 },
  { name: "country", label: "Country (2 letters, e.g. US)", autoComplete: "shipping country", required: true, max: 2 },
] as const;

type FieldName = (typeof FIELDS)[number]["name"];

/** What is wrong with each field, before anything is sent. */
function checkFields(value: (name: FieldName) => string): Partial<Record<FieldName, string>> {
  const errors: Partial<Record<FieldName, string>> = {};
  for (const field of FIELDS) {
    if (field.required && !value(field.name)) {
      errors[field.name] = `Enter the ${field.label.toLowerCase().replace(/ \(.*\)$/, "")}`;
    }
  }
  const country = value("country");
  if (country && !/^[A-Za-z]{2}$/.test(country)) errors.country = "Enter two letters, e.g. US or DE";
  return errors;
}

/**
 * Replaces the shipping address with optimistic locking: the form sends the version it was
 * rendered from. If the order changed in between, the API refuses (412 version_mismatch),
 * nothing is saved, and the page reloads the latest version for the person to check.
 */
export function ShippingForm({ order }: { order: OrderResponse }) {
  const trpc = useTRPC();
  const ids = useId();
  const [invalid, setInvalid] = useState<Partial<Record<FieldName, string>>>({});
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
    const errors = checkFields(value);
    setInvalid(errors);
    const first = FIELDS.find((f) => errors[f.name]);
    if (first) {
      document.getElementById(`${ids}-${first.name}`)?.focus();
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

  // The server's issues, each under its own field (e.g. shipping.country).
  const refused = save.isError
    ? formError(
        save.error,
        FIELDS.map((f) => f.name),
      )
    : null;
  const serverFields: Record<string, string> = refused?.fields ?? {};
  const fieldError = (name: FieldName) => invalid[name] ?? serverFields[name];
  let error: string | null = null;
  if (save.isError) {
    if (serverCodeOf(save.error) === "version_mismatch") {
      error = `This order was changed somewhere else while you were editing it (you started from version ${
        conflictFromVersion ?? "?"
      }; it is now at version ${order.version}). Your address was not saved. The latest saved address is shown above: check it, then save again.`;
    } else {
      error = refused?.message ?? describeError(save.error);
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
            const problem = fieldError(field.name);
            return (
              <div className="field" key={field.name}>
                <label htmlFor={`${ids}-${field.name}`}>{field.label}</label>
                <input
                  id={`${ids}-${field.name}`}
                  name={field.name}
                  autoComplete={field.autoComplete}
                  defaultValue={current?.[field.name] ?? ""}
                  maxLength={field.max}
                  required={field.required}
                  disabled={save.isPending}
                  aria-invalid={problem ? true : undefined}
                  aria-describedby={problem ? `${ids}-${field.name}-error` : undefined}
                />
                {problem ? (
                  <span id={`${ids}-${field.name}-error`} className="field-error">
                    {problem}
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
        {save.isSuccess && save.data ? <>Address saved (order version {save.data.version}).</> : null}
      </OperationMessage>
      <RetryTimeline label="Address change" operation={save} />
    </section>
  );
}
