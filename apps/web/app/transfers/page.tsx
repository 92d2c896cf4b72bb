import type { Metadata } from "next";
import { currentSession } from "../../server/principal";
import { AccountCards } from "../_components/account-cards";
import { LedgerTable } from "../_components/ledger-table";
import { TransferForm } from "../_components/transfer-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Transfers" };

export default async function TransfersPage() {
  const { caller } = await currentSession();
  const [accounts, entries] = await Promise.all([caller.accounts.list(), caller.ledger.recent({ limit: 10 })]);
  const accountNames = new Map(accounts.map((a) => [a.id, a.name]));

  return (
    <>
      <h1>Transfers</h1>
      <section aria-labelledby="transfer-heading">
        <h2 id="transfer-heading">Move money between your accounts</h2>
        <TransferForm accounts={accounts} />
      </section>
      <section aria-labelledby="balances-heading">
        <h2 id="balances-heading">Balances</h2>
        <AccountCards accounts={accounts} />
      </section>
      <section aria-labelledby="ledger-heading">
        <h2 id="ledger-heading">Recent ledger entries</h2>
        <LedgerTable entries={entries} accountNames={accountNames} label="Recent ledger entries" />
      </section>
    </>
  );
}
