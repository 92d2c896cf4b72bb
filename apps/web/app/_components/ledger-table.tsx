import type { AppRouter } from "@oncely/api";
import type { inferRouterOutputs } from "@trpc/server";
import Link from "next/link";
import { formatMoney } from "../../lib/money";
import { LocalTime } from "./local-time";

export type LedgerItem = inferRouterOutputs<AppRouter>["ledger"]["list"]["items"][number];

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const TRANSFER = new RegExp(`^Transfer from (${UUID}) to (${UUID})$`);

/** What made an entry, in words, linked to the order or transfer it belongs to. */
function EntryDescription({ entry, accountNames }: { entry: LedgerItem; accountNames: Map<string, string> }) {
  const { source } = entry;
  const shortId = (id: string) => <code title={id}>{id.slice(0, 8)}</code>;
  switch (source.kind) {
    case "payment":
      return (
        <>
          Payment for <Link href={`/orders/${source.orderId}`}>order {shortId(source.orderId)}</Link>
        </>
      );
    case "refund":
      return (
        <>
          Refund of <Link href={`/orders/${source.orderId}`}>order {shortId(source.orderId)}</Link>
        </>
      );
    case "transfer": {
      const [, from = "", to = ""] = TRANSFER.exec(entry.description) ?? [];
      return (
        <>
          <Link href={`/transfers/${source.transferId}`}>Transfer</Link> from{" "}
          {accountNames.get(from) ?? "another account"} to {accountNames.get(to) ?? "another account"}
        </>
      );
    }
    default:
      return <>{entry.description}</>;
  }
}

/**
 * Ledger entries, newest first: a credit is positive, a debit negative, and the balance of the
 * entry's account right after it. On a narrow screen rows become cards.
 */
export function LedgerTable({
  entries,
  accountNames,
  label,
  showAccount = true,
}: {
  entries: LedgerItem[];
  accountNames: Map<string, string>;
  label: string;
  showAccount?: boolean;
}) {
  if (entries.length === 0) return <p className="card muted">No ledger entries yet.</p>;
  return (
    <div className="card table-wrap">
      <table className="table ledger cards" aria-label={label}>
        <thead>
          <tr>
            <th scope="col">What</th>
            {showAccount ? <th scope="col">Account</th> : null}
            <th scope="col" className="num">
              Amount
            </th>
            <th scope="col" className="num">
              Balance after
            </th>
            <th scope="col">When</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <tr key={entry.id} data-entry-id={entry.id}>
              <td data-label="What" className="wrap description">
                <EntryDescription entry={entry} accountNames={accountNames} />
              </td>
              {showAccount ? (
                <td data-label="Account">
                  <Link href={`/ledger?account=${entry.accountId}`}>{entry.accountName}</Link>
                </td>
              ) : null}
              <td data-label="Amount" className={`num ${entry.amount < 0 ? "debit" : "credit"}`}>
                {entry.amount > 0 ? "+" : ""}
                {formatMoney(entry.amount, entry.currency)}
              </td>
              <td data-label="Balance after" className="num">
                {formatMoney(entry.balanceAfter, entry.currency)}
              </td>
              <td data-label="When">
                <LocalTime iso={entry.createdAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
