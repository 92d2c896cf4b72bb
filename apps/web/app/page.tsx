import Link from "next/link";
import { currentSession } from "../server/principal";
import { AccountCards } from "./_components/account-cards";
import { LedgerTable } from "./_components/ledger-table";

export const dynamic = "force-dynamic";

const ENTRIES_SHOWN = 15;

export default async function DashboardPage() {
  const { caller } = await currentSession();
  const [accounts, entries] = await Promise.all([
    caller.accounts.list(),
    caller.ledger.recent({ limit: ENTRIES_SHOWN }),
  ]);
  const accountNames = new Map(accounts.map((a) => [a.id, a.name]));

  return (
    <>
      <h1>Dashboard</h1>
      <p className="lede">
        Every payment, refund and transfer here is sent with an idempotency key and retried until it gets an answer: arm
        a fault in the chaos panel, then <Link href="/orders">pay an order</Link> or{" "}
        <Link href="/transfers">move money</Link> and watch it happen exactly once.
      </p>
      <section aria-labelledby="accounts-heading">
        <h2 id="accounts-heading">Accounts</h2>
        <AccountCards accounts={accounts} />
      </section>
      <section aria-labelledby="ledger-heading">
        <h2 id="ledger-heading">Recent ledger entries</h2>
        <LedgerTable entries={entries} accountNames={accountNames} label="Recent ledger entries" />
      </section>
    </>
  );
}
