import type { Metadata } from "next";
import Link from "next/link";
import { formatMoney } from "../../lib/money";
import { param, trailOf } from "../../lib/pages";
import { orNull } from "../../server/missing";
import { requireSession } from "../../server/principal";
import { LedgerTable } from "../_components/ledger-table";
import { Pager } from "../_components/pager";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Ledger" };

const ENTRIES_PER_PAGE = 25;

export default async function LedgerPage({ searchParams }: PageProps<"/ledger">) {
  const params = await searchParams;
  const { caller } = await requireSession();
  const accounts = await caller.accounts.list();
  const requested = param(params, "account");
  const account = accounts.find((a) => a.id === requested);
  const trail = trailOf(params);
  const page = await orNull(
    caller.ledger.list({ limit: ENTRIES_PER_PAGE, accountId: account?.id, cursor: trail.at(-1) }),
  );
  const accountNames = new Map(accounts.map((a) => [a.id, a.name]));

  return (
    <>
      <h1>{account ? `Ledger: ${account.name}` : "Ledger"}</h1>
      <p className="lede">
        Every movement of money is two entries that add up to zero: one account is debited, another credited. Each row
        shows the balance of its account right after it.
      </p>
      <form className="card filters filters-inline" method="get" action="/ledger">
        <div className="field">
          <label htmlFor="ledger-account">Account</label>
          <select id="ledger-account" name="account" defaultValue={account?.id ?? ""}>
            <option value="">All your accounts</option>
            {accounts.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name} ({formatMoney(a.balance, a.currency)})
              </option>
            ))}
          </select>
        </div>
        <div className="form-actions">
          <button type="submit">Show</button>
        </div>
      </form>
      {requested && !account ? <p className="card muted">There is no such account of yours; showing all.</p> : null}
      {account ? (
        <p className="balance-now">
          Balance now: <strong>{formatMoney(account.balance, account.currency)}</strong>
        </p>
      ) : null}
      {page ? (
        <>
          <LedgerTable
            entries={page.items}
            accountNames={accountNames}
            label={account ? `Ledger of ${account.name}` : "Ledger"}
            showAccount={!account}
          />
          <Pager
            path="/ledger"
            keep={{ account: account?.id }}
            trail={trail}
            nextCursor={page.nextCursor}
            label="Ledger entries"
          />
        </>
      ) : (
        <p className="card muted">
          This page of the ledger no longer exists. <Link href="/ledger">Back to the newest entries</Link>.
        </p>
      )}
    </>
  );
}
