"use client";

import type { Route } from "next";
import { useRouter } from "next/navigation";
import { type FormEvent, useId } from "react";
import { ORDER_STATUS_LABEL, ORDER_STATUSES } from "../../lib/orderStatus";

export interface OrderFilterValues {
  status?: string;
  /** Days as typed (yyyy-mm-dd) and the instants they meant in the viewer's zone. */
  from?: string;
  to?: string;
  min?: string;
  max?: string;
  q?: string;
}

/**
 * Filters for the orders list. Dates are days in the viewer's time zone: the browser turns
 * them into instants (`fromAt`, `toAt`) before asking; without JavaScript the form still
 * works and the days count in UTC.
 */
export function OrderFilters({ values, errors }: { values: OrderFilterValues; errors: Record<string, string> }) {
  const ids = useId();
  const router = useRouter();

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const query = new URLSearchParams();
    for (const name of ["status", "from", "to", "min", "max", "q"]) {
      const value = String(data.get(name) ?? "").trim();
      if (value) query.set(name, value);
    }
    const from = query.get("from");
    const to = query.get("to");
    // Local midnight of the first day, and of the day after the last one.
    if (from) query.set("fromAt", localMidnight(from, 0));
    if (to) query.set("toAt", localMidnight(to, 1));
    const text = query.toString();
    router.push((text ? `/orders?${text}` : "/orders") as Route);
  }

  const field = (name: keyof OrderFilterValues) => ({
    id: `${ids}-${name}`,
    name,
    defaultValue: values[name] ?? "",
    "aria-invalid": errors[name] ? true : undefined,
    "aria-describedby": errors[name] ? `${ids}-${name}-error` : undefined,
  });
  const error = (name: keyof OrderFilterValues) =>
    errors[name] ? (
      <span id={`${ids}-${name}-error`} className="field-error">
        {errors[name]}
      </span>
    ) : null;

  return (
    <search>
      <form className="card filters" method="get" action="/orders" onSubmit={onSubmit}>
        <div className="field">
          <label htmlFor={`${ids}-q`}>Order id or description</label>
          <input {...field("q")} type="search" placeholder="e.g. 5389ed53 or bell" maxLength={100} />
          {error("q")}
        </div>
        <div className="field">
          <label htmlFor={`${ids}-status`}>Status</label>
          <select {...field("status")}>
            <option value="">Any</option>
            {ORDER_STATUSES.map((status) => (
              <option key={status} value={status}>
                {ORDER_STATUS_LABEL[status]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${ids}-from`}>Created from</label>
          <input {...field("from")} type="date" />
          {error("from")}
        </div>
        <div className="field">
          <label htmlFor={`${ids}-to`}>Created until</label>
          <input {...field("to")} type="date" />
          {error("to")}
        </div>
        <div className="field">
          <label htmlFor={`${ids}-min`}>Amount from (USD)</label>
          <input {...field("min")} inputMode="decimal" placeholder="0.00" />
          {error("min")}
        </div>
        <div className="field">
          <label htmlFor={`${ids}-max`}>Amount up to (USD)</label>
          <input {...field("max")} inputMode="decimal" placeholder="any" />
          {error("max")}
        </div>
        <div className="form-actions">
          <button type="submit">Filter</button>
          {Object.values(values).some(Boolean) ? (
            <a href="/orders" className="button-link">
              Clear filters
            </a>
          ) : null}
        </div>
      </form>
    </search>
  );
}

/** The instant local midnight of `day` (yyyy-mm-dd) plus `plusDays` days began, as ISO. */
function localMidnight(day: string, plusDays: number): string {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + plusDays).toISOString();
}
