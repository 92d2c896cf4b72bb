import type { AccountResponse } from "@oncely/api";
import Link from "next/link";
import { formatMoney } from "../../lib/money";

/** The principal's accounts with their balances; each opens its ledger. */
export function AccountCards({ accounts }: { accounts: AccountResponse[] }) {
  return (
    <ul className="accounts">
      {accounts.map((account) => (
        <li key={account.id} className="card account linked-row" data-account-id={account.id}>
          <Link href={`/ledger?account=${account.id}`} className="account-name row-link">
            {account.name}
          </Link>
          <span className="account-kind">{account.kind}</span>
          <span className="account-balance">{formatMoney(account.balance, account.currency)}</span>
        </li>
      ))}
    </ul>
  );
}
