import type { Metadata } from "next";
import Link from "next/link";
import { parseMoney } from "../../../lib/money";
import { ORDER_STATUSES, type OrderDisplayStatus } from "../../../lib/orderStatus";
import { param, type SearchParams, trailOf } from "../../../lib/pages";
import { orNull } from "../../../server/missing";
import { requireSession } from "../../../server/principal";
import { CreateOrderForm } from "../../_components/create-order-form";
import { OrderFilters, type OrderFilterValues } from "../../_components/order-filters";
import { OrdersTable } from "../../_components/orders-table";
import { Pager } from "../../_components/pager";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Orders" };

const ORDERS_PER_PAGE = 20;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The filters in the address bar, checked; each bad one gets its own message. */
function readFilters(params: SearchParams) {
  const values: OrderFilterValues = {
    status: param(params, "status"),
    from: param(params, "from"),
    to: param(params, "to"),
    min: param(params, "min"),
    max: param(params, "max"),
    q: param(params, "q"),
  };
  const errors: Record<string, string> = {};
  const query: {
    status?: OrderDisplayStatus;
    createdFrom?: string;
    createdBefore?: string;
    minAmount?: number;
    maxAmount?: number;
    search?: string;
  } = {};
  if (values.status) {
    const status = ORDER_STATUSES.find((s) => s === values.status);
    if (status) query.status = status;
  }
  const instant = (day: string | undefined, at: string | undefined, plusDays: number, name: "from" | "to") => {
    if (!day) return undefined;
    if (!DAY.test(day) || Number.isNaN(Date.parse(day))) {
      errors[name] = "Pick a day";
      return undefined;
    }
    // The browser sends the instant the day began in its own zone; without it, UTC.
    if (at && !Number.isNaN(Date.parse(at))) return new Date(at).toISOString();
    return new Date(Date.parse(day) + plusDays * 86_400_000).toISOString();
  };
  query.createdFrom = instant(values.from, param(params, "fromAt"), 0, "from");
  query.createdBefore = instant(values.to, param(params, "toAt"), 1, "to");
  for (const [name, key] of [
    ["min", "minAmount"],
    ["max", "maxAmount"],
  ] as const) {
    const text = values[name];
    if (!text) continue;
    if (/^\$?0*(\.0*)?$/.test(text.trim())) {
      query[key] = 0;
      continue;
    }
    const amount = parseMoney(text, "USD");
    if (amount.ok) query[key] = amount.amountMinor;
    else errors[name] = amount.message;
  }
  if (values.q) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
    if (values.q.length > 100 || /[\u0000-\u001f\u007f]/.test(values.q)) errors.q = "Use at most 100 characters";
    else query.search = values.q;
  }
  return { values, errors, query };
}

export default async function OrdersPage({ searchParams }: PageProps<"/orders">) {
  const params = await searchParams;
  const { caller } = await requireSession();
  const { values, errors, query } = readFilters(params);
  const trail = trailOf(params);
  const filtered = Object.values(query).some((v) => v !== undefined);
  const [accounts, orders] = await Promise.all([
    caller.accounts.list(),
    orNull(caller.orders.list({ limit: ORDERS_PER_PAGE, cursor: trail.at(-1), ...query })),
  ]);
  const accountNames = new Map(accounts.map((a) => [a.id, a.name]));
  const keep = { ...values, fromAt: param(params, "fromAt"), toAt: param(params, "toAt") };

  return (
    <>
      <h1>Orders</h1>
      <section aria-labelledby="create-heading">
        <h2 id="create-heading">Create order</h2>
        <CreateOrderForm accounts={accounts.filter((a) => a.kind === "customer")} />
      </section>
      <section aria-labelledby="orders-heading">
        <h2 id="orders-heading">Your orders</h2>
        {filtered || trail.length > 0 || (orders && orders.items.length > 0) || Object.keys(errors).length > 0 ? (
          <OrderFilters values={values} errors={errors} />
        ) : null}
        {!orders ? (
          <p className="card muted">
            This page of the list no longer exists. <Link href="/orders">Back to the newest orders</Link>.
          </p>
        ) : orders.items.length === 0 ? (
          <p className="card muted">
            {filtered ? "No orders match these filters." : "No orders yet. Create one above."}
          </p>
        ) : (
          <>
            <OrdersTable orders={orders.items} accountNames={accountNames} />
            <Pager path="/orders" keep={keep} trail={trail} nextCursor={orders.nextCursor} label="Orders" />
          </>
        )}
      </section>
    </>
  );
}
