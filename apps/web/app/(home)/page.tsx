import { cookies } from "next/headers";
import Link from "next/link";
import { INTRO_COOKIE } from "../../lib/intro";
import { requireSession } from "../../server/principal";
import { AccountCards } from "../_components/account-cards";
import { Intro } from "../_components/intro";
import { LedgerTable } from "../_components/ledger-table";

export const dynamic = "force-dynamic";

const ENTRIES_SHOWN = 10;

export default async function DashboardPage() {
  const { caller } = await requireSession();
  const [accounts, entries, cookieJar] = await Promise.all([
    caller.accounts.list(),
    caller.ledger.list({ limit: ENTRIES_SHOWN }),
    cookies(),
  ]);
  const accountNames = new Map(accounts.map((a) => [a.id, a.name]));

  return (
    <>
      <h1>Dashboard</h1>
      {cookieJar.get(INTRO_COOKIE)?.value === "hidden" ? null : <Intro />}
      <section aria-labelledby="accounts-heading">
        <h2 id="accounts-heading">Accounts</h2>
        <AccountCards accounts={accounts} />
      </section>
      <section aria-labelledby="ledger-heading">
        <h2 id="ledger-heading">Recent ledger entries</h2>
        <LedgerTable entries={entries.items} accountNames={accountNames} label="Recent ledger entries" />
        <p>
          <Link href="/ledger">The whole ledger →</Link>
        </p>
      </section>
    </>
  );
}
