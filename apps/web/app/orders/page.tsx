import type { Metadata } from "next";
import { currentSession } from "../../server/principal";
import { CreateOrderForm } from "../_components/create-order-form";
import { OrdersTable } from "../_components/orders-table";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Orders" };

const ORDERS_SHOWN = 25;

export default async function OrdersPage() {
  const { caller } = await currentSession();
  const [accounts, orders] = await Promise.all([caller.accounts.list(), caller.orders.list({ limit: ORDERS_SHOWN })]);
  const accountNames = new Map(accounts.map((a) => [a.id, a.name]));

  return (
    <>
      <h1>Orders</h1>
      <section aria-labelledby="create-heading">
        <h2 id="create-heading">Create order</h2>
        <CreateOrderForm accounts={accounts.filter((a) => a.kind === "customer")} />
      </section>
      <section aria-labelledby="orders-heading">
        <h2 id="orders-heading">Your orders</h2>
        <OrdersTable orders={orders.items} accountNames={accountNames} />
        {orders.nextCursor ? <p className="muted">Showing the newest {ORDERS_SHOWN} orders.</p> : null}
      </section>
    </>
  );
}
