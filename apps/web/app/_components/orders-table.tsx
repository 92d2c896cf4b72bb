import type { AppRouter } from "@oncely/api";
import type { inferRouterOutputs } from "@trpc/server";
import { formatMoney } from "../../lib/money";
import { orderDisplayStatus } from "../../lib/orderStatus";
import { LocalTime } from "./local-time";
import { RowLink } from "./row-link";
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
                <RowLink href={`/orders/${order.id}`} id={order.id}>
                  {order.description ?? "Order"}
                </RowLink>
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
