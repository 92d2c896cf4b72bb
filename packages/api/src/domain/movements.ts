import { randomUUID } from "node:crypto";
import { asc, inArray, type SQL, schema, sql, type Transaction } from "@oncely/db";
import { storedError } from "../errors";

/**
 * Where money moves. Every change to a balance in Oncely goes through `postMovement`: it
 * writes balanced double-entry ledger rows and updates the balances they touch, in the
 * caller's transaction. Nothing else writes `accounts.balance` or `ledger_entries`
 * (the demo seed aside), which is what keeps "balance = sum of entries" true.
 */

const { accounts, ledgerEntries } = schema;

export interface MovementEntry {
  accountId: string;
  /** Signed minor units: negative debits the account, positive credits it. */
  amount: number;
}

export interface Movement {
  /** Shown on every entry of the movement, e.g. "Payment for order …". */
  description: string;
  currency: string;
  /** At least two entries, on distinct accounts, summing to zero. */
  entries: readonly MovementEntry[];
}

/** A programming error: the caller asked for a movement that cannot be booked. Never stored. */
export class InvalidMovementError extends Error {
  override readonly name = "InvalidMovementError";
}

export type LockedAccount = Pick<
  typeof accounts.$inferSelect,
  "id" | "principalId" | "currency" | "balance" | "allowNegative"
>;

/**
 * Locks accounts for update in ascending id order, whatever order the caller names them in.
 * Two transactions moving money between the same accounts in opposite directions then queue
 * on the same first row instead of each holding the row the other wants (a deadlock).
 * `FOR NO KEY UPDATE` is the lock an UPDATE of non-key columns takes: it excludes other
 * writers of these rows but not inserts of rows that merely reference them (orders, entries).
 */
export async function lockAccounts(tx: Transaction, accountIds: readonly string[]): Promise<LockedAccount[]> {
  const ids = [...new Set(accountIds)].sort();
  // PostgreSQL locks the rows as the sorted result is produced, i.e. in id order.
  return tx
    .select({
      id: accounts.id,
      principalId: accounts.principalId,
      currency: accounts.currency,
      balance: accounts.balance,
      allowNegative: accounts.allowNegative,
    })
    .from(accounts)
    .where(inArray(accounts.id, ids))
    .orderBy(asc(accounts.id))
    .for("no key update");
}

/**
 * Books one balanced movement: locks the accounts (fixed order), refuses to take any account
 * below zero unless it allows it (a stored `insufficient_funds` business error), inserts one
 * ledger entry per account and applies the same amounts to the balances. Returns the id the
 * entries share. Unbalanced or malformed input is an `InvalidMovementError` (a bug, not a
 * business outcome): nothing is written.
 */
export async function postMovement(tx: Transaction, movement: Movement): Promise<{ movementId: string }> {
  assertBalanced(movement);
  const locked = await lockAccounts(
    tx,
    movement.entries.map((e) => e.accountId),
  );
  const byId = new Map(locked.map((a) => [a.id, a]));

  for (const entry of movement.entries) {
    const account = byId.get(entry.accountId);
    if (!account) throw new InvalidMovementError(`account ${entry.accountId} does not exist`);
    if (account.currency !== movement.currency) {
      throw new InvalidMovementError(
        `account ${account.id} holds ${account.currency}, the movement is in ${movement.currency}`,
      );
    }
    if (account.principalId !== locked[0]?.principalId) {
      throw new InvalidMovementError("a movement may only touch one principal's accounts");
    }
    const after = account.balance + entry.amount;
    if (!Number.isSafeInteger(after)) throw new InvalidMovementError(`balance of ${account.id} would overflow`);
    if (after < 0 && !account.allowNegative) {
      throw storedError(
        "insufficient_funds",
        `Account ${account.id} holds ${account.balance} ${account.currency}; ${-entry.amount} is needed`,
      );
    }
  }

  const movementId = randomUUID();
  await tx.insert(ledgerEntries).values(
    movement.entries.map((e) => ({
      movementId,
      accountId: e.accountId,
      amount: e.amount,
      currency: movement.currency,
      description: movement.description,
    })),
  );
  // One statement for all balances, from the same numbers as the entries above.
  const deltas: SQL[] = movement.entries.map((e) => sql`(${e.accountId}::uuid, ${e.amount}::bigint)`);
  await tx.execute(sql`
    UPDATE accounts AS a SET balance = a.balance + d.amount
    FROM (VALUES ${sql.join(deltas, sql`, `)}) AS d(account_id, amount)
    WHERE a.id = d.account_id`);
  return { movementId };
}

function assertBalanced({ entries, currency }: Movement): void {
  if (entries.length < 2) throw new InvalidMovementError("a movement needs at least two entries");
  if (!/^[A-Z]{3}$/.test(currency)) throw new InvalidMovementError(`"${currency}" is not a currency code`);
  if (new Set(entries.map((e) => e.accountId)).size !== entries.length) {
    throw new InvalidMovementError("a movement names each account once");
  }
  for (const e of entries) {
    if (!Number.isSafeInteger(e.amount) || e.amount === 0) {
      throw new InvalidMovementError(`entry amount ${e.amount} is not a non-zero integer of minor units`);
    }
  }
  const sum = entries.reduce((total, e) => total + e.amount, 0);
  if (sum !== 0) throw new InvalidMovementError(`entries sum to ${sum}, not zero: the movement is unbalanced`);
}
