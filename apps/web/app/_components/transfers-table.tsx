import type { TransferResponse } from "@oncely/api";
import { formatMoney } from "../../lib/money";
import { LocalTime } from "./local-time";
import { RowLink } from "./row-link";

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
                <RowLink href={`/transfers/${t.id}`} id={t.id}>
                  {accountNames.get(t.fromAccountId) ?? "another account"} →{" "}
                  {accountNames.get(t.toAccountId) ?? "another account"}
                </RowLink>
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
