import type { OrderResponse } from "@oncely/api";
import Link from "next/link";
import { formatShortDateTime } from "../../lib/dates";
import { formatMoney } from "../../lib/money";

export function OrdersTable({ orders, accountNames }: { orders: OrderResponse[]; accountNames: Map<string, string> }) {
  if (orders.length === 0) return <p className="card muted">No orders yet. Create one above.</p>;
  return (
    <div className="card table-wrap">
      <table className="table orders" aria-label="Orders">
        <thead>
          <tr>
            <th scope="col">Created</th>
            <th scope="col">Description</th>
            <th scope="col">Account</th>
            <th scope="col" className="num">
              Amount
            </th>
            <th scope="col">Status</th>
            <th scope="col">Order</th>
          </tr>
        </thead>
        <tbody>
          {orders.map((order) => (
            <tr key={order.id} data-order-id={order.id}>
              <td>
                <time dateTime={order.createdAt}>{formatShortDateTime(order.createdAt)}</time>
              </td>
              <td className="wrap">{order.description ?? <span className="muted">—</span>}</td>
              <td>{accountNames.get(order.accountId) ?? order.accountId}</td>
              <td className="num">{formatMoney(order.amount, order.currency)}</td>
              <td>
                <span className={`badge badge-${order.status}`}>{order.status}</span>
              </td>
              <td>
                <Link
                  href={`/orders/${order.id}`}
                  aria-label={`Open order ${order.description ?? order.id.slice(0, 8)}`}
                >
                  <code>{order.id.slice(0, 8)}</code>
                </Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
