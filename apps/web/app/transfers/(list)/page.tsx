import type { Metadata } from "next";
import Link from "next/link";
import { trailOf } from "../../../lib/pages";
import { orNull } from "../../../server/missing";
import { requireSession } from "../../../server/principal";
import { AccountCards } from "../../_components/account-cards";
import { Pager } from "../../_components/pager";
import { TransferForm } from "../../_components/transfer-form";
import { TransfersTable } from "../../_components/transfers-table";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Transfers" };

const TRANSFERS_PER_PAGE = 20;

export default async function TransfersPage({ searchParams }: PageProps<"/transfers">) {
  const trail = trailOf(await searchParams);
  const { caller } = await requireSession();
  const [accounts, transfers] = await Promise.all([
    caller.accounts.list(),
    orNull(caller.transfers.list({ limit: TRANSFERS_PER_PAGE, cursor: trail.at(-1) })),
  ]);
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
      <section aria-labelledby="transfers-heading">
        <h2 id="transfers-heading">Your transfers</h2>
        {!transfers ? (
          <p className="card muted">
            This page of the list no longer exists. <Link href="/transfers">Back to the newest transfers</Link>.
          </p>
        ) : transfers.items.length === 0 ? (
          <p className="card muted">No transfers yet.</p>
        ) : (
          <>
            <TransfersTable transfers={transfers.items} accountNames={accountNames} />
            <Pager path="/transfers" trail={trail} nextCursor={transfers.nextCursor} label="Transfers" />
          </>
        )}
      </section>
    </>
  );
}
