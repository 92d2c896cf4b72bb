import type { Metadata } from "next";
import Link from "next/link";
import { formatMoney } from "../../../lib/money";
import { orNotFound } from "../../../server/missing";
import { requireSession } from "../../../server/principal";
import { CopyId } from "../../_components/copy-id";
import { LocalTime } from "../../_components/local-time";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Transfer" };

export default async function TransferPage({ params }: PageProps<"/transfers/[transferId]">) {
  const { transferId } = await params;
  const { caller } = await requireSession();
  const transfer = await orNotFound(caller.transfers.get({ transferId }));
  const accounts = await caller.accounts.list();
  const account = (id: string) => {
    const found = accounts.find((a) => a.id === id);
    return found ? <Link href={`/ledger?account=${found.id}`}>{found.name}</Link> : <code>{id}</code>;
  };

  return (
    <>
      <p className="breadcrumb">
        <Link href="/transfers">Transfers</Link> / Transfer <code>{transfer.id.slice(0, 8)}</code>
      </p>
      <h1>Transfer of {formatMoney(transfer.amount, transfer.currency)}</h1>
      <dl className="facts card summary">
        <dt>Amount</dt>
        <dd className="num">{formatMoney(transfer.amount, transfer.currency)}</dd>
        <dt>From</dt>
        <dd>{account(transfer.fromAccountId)}</dd>
        <dt>To</dt>
        <dd>{account(transfer.toAccountId)}</dd>
        <dt>When</dt>
        <dd>
          <LocalTime iso={transfer.createdAt} />
        </dd>
        <dt>Transfer id</dt>
        <dd>
          <CopyId id={transfer.id} label="transfer id" />
        </dd>
      </dl>
    </>
  );
}
