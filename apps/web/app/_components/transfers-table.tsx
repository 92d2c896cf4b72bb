import type { TransferResponse } from "@oncely/api";
import Link from "next/link";
import { formatMoney } from "../../lib/money";
import { LinkPending } from "./link-pending";
import { LocalTime } from "./local-time";

/** Transfers, newest first; each row opens the transfer. Cards on a narrow screen. */
export function TransfersTable({
  transfers,
  accountNames,
}: {
  transfers: TransferResponse[];
  accountNames: Map<string, string>;
}) {
  return (
    <div className="card table-wrap">
      <table className="table cards" aria-label="Transfers">
        <thead>
          <tr>
            <th scope="col">Transfer</th>
            <th scope="col" className="num">
              Amount
            </th>
            <th scope="col">When</th>
          </tr>
        </thead>
        <tbody>
          {transfers.map((t) => (
            <tr key={t.id} data-transfer-id={t.id} className="linked-row">
              <td data-label="Transfer" className="wrap">
                <Link href={`/transfers/${t.id}`} className="row-link">
                  {accountNames.get(t.fromAccountId) ?? "another account"} →{" "}
                  {accountNames.get(t.toAccountId) ?? "another account"}
                  <LinkPending />
                </Link>{" "}
                <code className="muted" title={t.id}>
                  {t.id.slice(0, 8)}
                </code>
              </td>
              <td data-label="Amount" className="num">
                {formatMoney(t.amount, t.currency)}
              </td>
              <td data-label="When">
                <LocalTime iso={t.createdAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
