"use client";

import type { AccountResponse } from "@oncely/api";
import { formatMoney } from "../../lib/money";

interface FieldProps {
  /** The control's id; the label points at it, and its own error line is `${id}-error`. */
  id: string;
  label: string;
  disabled?: boolean;
  /** An error about this field, shown under it and announced with it. */
  error?: string | null;
  /** Marks the field invalid because of an error shown elsewhere (e.g. a form-wide line). */
  invalidBecauseOf?: string | null;
}

/** aria-invalid and aria-describedby for a field with its own error or one shown elsewhere. */
function errorAttributes({ id, error, invalidBecauseOf }: FieldProps) {
  const describedBy = error ? `${id}-error` : (invalidBecauseOf ?? undefined);
  return { "aria-invalid": describedBy ? true : undefined, "aria-describedby": describedBy };
}

function FieldError({ id, error }: FieldProps) {
  return error ? (
    <span id={`${id}-error`} className="field-error">
      {error}
    </span>
  ) : null;
}

/** A labelled choice of accounts, each shown with its balance. */
export function AccountSelect(
  props: FieldProps & { name: string; accounts: AccountResponse[]; defaultValue?: string; required?: boolean },
) {
  const { id, label, name, accounts, disabled, defaultValue, required } = props;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        name={name}
        required={required}
        disabled={disabled}
        defaultValue={defaultValue}
        {...errorAttributes(props)}
      >
        {accounts.map((account) => (
          <option key={account.id} value={account.id}>
            {account.name} ({formatMoney(account.balance, account.currency)})
          </option>
        ))}
      </select>
      <FieldError {...props} />
    </div>
  );
}

/** A labelled amount in major units ("12.50"); the form parses it with parseMoney. */
export function AmountInput(props: FieldProps & { name?: string; placeholder: string; required?: boolean }) {
  const { id, label, name = "amount", placeholder, disabled, required } = props;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={name}
        inputMode="decimal"
        autoComplete="off"
        placeholder={placeholder}
        required={required}
        disabled={disabled}
        {...errorAttributes(props)}
      />
      <FieldError {...props} />
    </div>
  );
}
