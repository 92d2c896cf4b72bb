import type { AccountResponse, OrderResponse } from "@oncely/api";
import { cookies } from "next/headers";
import { formatMoney } from "../lib/money";
import { principalForSession, SESSION_COOKIE, SESSION_NAMES } from "../server/session";
import { serverCaller } from "../trpc/server";
import { signIn } from "./actions";
import { CreateOrderForm } from "./create-order-form";

// Per-request data (session, balances): never prerendered, so `next build` needs no database.
export const dynamic = "force-dynamic";

const ORDERS_SHOWN = 20;

const dateFormat = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "long" });

export default async function HomePage() {
  const principal = principalForSession((await cookies()).get(SESSION_COOKIE)?.value);
  const caller = serverCaller(principal);
  const [accounts, orders] = await Promise.all([caller.accounts.list(), caller.orders.list({ limit: ORDERS_SHOWN })]);
  const customerAccounts = accounts.filter((a) => a.kind === "customer");
  const accountNames = new Map(accounts.map((a) => [a.id, a.name]));

  return (
    <>
      <header className="topbar">
        <div className="topbar-inner">
          <div>
            <span className="brand">Oncely</span>
            <span className="tagline">Retries are safe: each order is created once.</span>
          </div>
          <form action={signIn} className="session">
            <label htmlFor="principal">Signed in as</label>
            <select id="principal" name="principal" defaultValue={principal.name}>
              {SESSION_NAMES.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
            <button type="submit" className="secondary">
              Switch
            </button>
          </form>
        </div>
      </header>

      <main>
        <section aria-labelledby="accounts-heading">
          <h2 id="accounts-heading">Accounts</h2>
          <ul className="accounts">
            {accounts.map((account) => (
              <AccountCard key={account.id} account={account} />
            ))}
          </ul>
        </section>

        <section aria-labelledby="create-heading">
          <h2 id="create-heading">Create order</h2>
          <CreateOrderForm accounts={customerAccounts} />
        </section>

        <section aria-labelledby="orders-heading">
          <h2 id="orders-heading">Orders</h2>
          <OrdersTable orders={orders.items} accountNames={accountNames} />
          {orders.nextCursor ? <p className="muted">Showing the newest {ORDERS_SHOWN} orders.</p> : null}
        </section>
      </main>
    </>
  );
}

function AccountCard({ account }: { account: AccountResponse }) {
  return (
    <li className="card account">
      <span className="account-name">{account.name}</span>
      <span className="account-kind">{account.kind}</span>
      <span className="account-balance">{formatMoney(account.balance, account.currency)}</span>
    </li>
  );
}

function OrdersTable({ orders, accountNames }: { orders: OrderResponse[]; accountNames: Map<string, string> }) {
  if (orders.length === 0) {
    return <p className="card muted">No orders yet. Create one above.</p>;
  }
  return (
    <div className="card table-wrap">
      <table className="orders">
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
                <time dateTime={order.createdAt}>{dateFormat.format(new Date(order.createdAt))}</time>
              </td>
              <td>{order.description ?? <span className="muted">—</span>}</td>
              <td>{accountNames.get(order.accountId) ?? order.accountId}</td>
              <td className="num">{formatMoney(order.amount, order.currency)}</td>
              <td>
                <span className={`badge badge-${order.status}`}>{order.status}</span>
              </td>
              <td>
                <code title={order.id}>{order.id.slice(0, 8)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
