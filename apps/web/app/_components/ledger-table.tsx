import type { LedgerEntryResponse } from "@oncely/api";
import Link from "next/link";
import type { ReactNode } from "react";
import { formatShortDateTime } from "../../lib/dates";
import { formatMoney } from "../../lib/money";

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

/**
 * "Payment for order <uuid>" → "Payment for order 1a2b3c4d" linking to the order; other ids
 * are shortened, and account ids become account names.
 */
function EntryDescription({ text, accountNames }: { text: string; accountNames: Map<string, string> }) {
  const order = new RegExp(`^(Payment for order )(${UUID})$`).exec(text);
  if (order?.[1] && order[2]) {
    return (
      <>
        {order[1]}
        <Link href={`/orders/${order[2]}`}>
          <code>{order[2].slice(0, 8)}</code>
        </Link>
      </>
    );
  }
  const parts: ReactNode[] = text.split(new RegExp(`(${UUID})`)).map((part, i) => {
    if (!new RegExp(`^${UUID}$`).test(part)) return part;
    const name = accountNames.get(part);
    return name ? (
      <strong key={`${i}-${part}`}>{name}</strong>
    ) : (
      <code key={`${i}-${part}`} title={part}>
        {part.slice(0, 8)}
      </code>
    );
  });
  return <>{parts}</>;
}

/** Ledger entries, newest first: a credit is positive, a debit negative. */
export function LedgerTable({
  entries,
  accountNames,
  label,
}: {
  entries: LedgerEntryResponse[];
  accountNames: Map<string, string>;
  label: string;
}) {
  if (entries.length === 0) return <p className="card muted">No ledger entries yet.</p>;
  return (
    <div className="card table-wrap">
      <table className="table" aria-label={label}>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Account</th>
            <th scope="col">What</th>
            <th scope="col" className="num">
              Amount
            </th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <tr key={entry.id}>
              <td>
                <time dateTime={entry.createdAt}>{formatShortDateTime(entry.createdAt)}</time>
              </td>
              <td>{entry.accountName}</td>
              <td className="wrap">
                <EntryDescription text={entry.description} accountNames={accountNames} />
              </td>
              <td className={`num ${entry.amount < 0 ? "debit" : "credit"}`}>
                {entry.amount > 0 ? "+" : ""}
                {formatMoney(entry.amount, entry.currency)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
