import type { AppRouter } from "@oncely/api";
import type { inferRouterOutputs } from "@trpc/server";
import Link from "next/link";
import { formatMoney } from "../../lib/money";
import { orderDisplayStatus } from "../../lib/orderStatus";
import { LinkPending } from "./link-pending";
import { LocalTime } from "./local-time";
import { OrderStatusBadge } from "./status-badge";

export type OrderListItem = inferRouterOutputs<AppRouter>["orders"]["list"]["items"][number];

/**
 * Orders, newest first. Each row opens the order (the whole row is the link); on a narrow
 * screen rows become cards that still show the amount and the status.
 */
export function OrdersTable({ orders, accountNames }: { orders: OrderListItem[]; accountNames: Map<string, string> }) {
  return (
    <div className="card table-wrap">
      <table className="table orders cards" aria-label="Orders">
        <thead>
          <tr>
            <th scope="col">Order</th>
            <th scope="col" className="num">
              Amount
            </th>
            <th scope="col">Status</th>
            <th scope="col">Account</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {orders.map((order) => (
            <tr key={order.id} data-order-id={order.id} className="linked-row">
              <td data-label="Order" className="wrap">
                <Link href={`/orders/${order.id}`} className="row-link">
                  {order.description ?? "Order"}
                  <LinkPending />
                </Link>{" "}
                <code className="muted" title={order.id}>
                  {order.id.slice(0, 8)}
                </code>
              </td>
              <td data-label="Amount" className="num">
                {formatMoney(order.amount, order.currency)}
              </td>
              <td data-label="Status">
                <OrderStatusBadge status={orderDisplayStatus(order, order.payment)} />
              </td>
              <td data-label="Account">{accountNames.get(order.accountId) ?? order.accountId}</td>
              <td data-label="Created">
                <LocalTime iso={order.createdAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
