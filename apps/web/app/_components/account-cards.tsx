import type { AccountResponse } from "@oncely/api";
import { formatMoney } from "../../lib/money";

export function AccountCards({ accounts }: { accounts: AccountResponse[] }) {
  return (
    <ul className="accounts">
      {accounts.map((account) => (
        <li key={account.id} className="card account" data-account-id={account.id}>
          <span className="account-name">{account.name}</span>
          <span className="account-kind">{account.kind}</span>
          <span className="account-balance">{formatMoney(account.balance, account.currency)}</span>
        </li>
      ))}
    </ul>
  );
}
