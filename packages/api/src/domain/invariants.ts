import { type Database, sql } from "@oncely/db";

/**
 * The ledger's invariants as SQL, for tests and the soak. Each check selects the rows that
 * break a rule, so a healthy database answers with nothing. They run in one REPEATABLE READ
 * read-only transaction: one consistent snapshot, also while traffic is running.
 */

export interface InvariantViolation {
  invariant: InvariantName;
  /** The offending row(s), with amounts as text (bigint sums). */
  detail: Record<string, unknown>;
}

export type InvariantName =
  | "balances_sum_to_zero"
  | "balance_equals_entries"
  | "movement_balanced"
  | "movement_within_one_principal"
  | "entry_currency_matches_account"
  | "no_forbidden_negative_balance"
  | "refunds_within_payment"
  | "payment_matches_order"
  | "operation_has_its_movement";

const CHECKS: Record<InvariantName, ReturnType<typeof sql>> = {
  // Every balance comes from the principal's equity account, so per principal and currency
  // the balances always sum to the same constant: zero.
  balances_sum_to_zero: sql`
    SELECT principal_id, currency, sum(balance)::text AS total
    FROM accounts GROUP BY principal_id, currency HAVING sum(balance) <> 0`,
  balance_equals_entries: sql`
    SELECT a.id AS account_id, a.balance::text AS balance, coalesce(sum(e.amount), 0)::text AS entries
    FROM accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id
    GROUP BY a.id HAVING a.balance <> coalesce(sum(e.amount), 0)`,
  movement_balanced: sql`
    SELECT movement_id, currency, sum(amount)::text AS total, count(*)::int AS entries
    FROM ledger_entries GROUP BY movement_id, currency HAVING sum(amount) <> 0 OR count(*) < 2`,
  movement_within_one_principal: sql`
    SELECT e.movement_id FROM ledger_entries e JOIN accounts a ON a.id = e.account_id
    GROUP BY e.movement_id HAVING count(DISTINCT a.principal_id) > 1`,
  entry_currency_matches_account: sql`
    SELECT e.id AS entry_id, e.currency, a.currency AS account_currency
    FROM ledger_entries e JOIN accounts a ON a.id = e.account_id WHERE e.currency <> a.currency`,
  no_forbidden_negative_balance: sql`
    SELECT id AS account_id, balance::text AS balance FROM accounts WHERE balance < 0 AND NOT allow_negative`,
  // refunded_amount is what refunds lock and check; it must be the true sum, and within the payment.
  refunds_within_payment: sql`
    SELECT p.id AS payment_id, p.amount::text AS amount, p.refunded_amount::text AS refunded_amount,
           coalesce(sum(r.amount), 0)::text AS refunds
    FROM payments p LEFT JOIN refunds r ON r.payment_id = p.id
    GROUP BY p.id
    HAVING coalesce(sum(r.amount), 0) > p.amount OR coalesce(sum(r.amount), 0) <> p.refunded_amount`,
  // A paid order has exactly one payment of its amount; an unpaid one has none.
  payment_matches_order: sql`
    SELECT o.id AS order_id, o.status, p.id AS payment_id
    FROM orders o LEFT JOIN payments p ON p.order_id = o.id
    WHERE (o.status = 'paid') <> (p.id IS NOT NULL)
       OR p.amount <> o.amount OR p.currency <> o.currency OR p.principal_id <> o.principal_id`,
  // Each payment, refund and transfer moved money exactly once, for its own amount.
  operation_has_its_movement: sql`
    WITH operations AS (
      SELECT 'payment' AS kind, id, movement_id, amount FROM payments
      UNION ALL SELECT 'refund', id, movement_id, amount FROM refunds
      UNION ALL SELECT 'transfer', id, movement_id, amount FROM transfers
    )
    SELECT o.kind, o.id, count(e.id)::int AS entries, coalesce(sum(abs(e.amount)), 0)::text AS moved
    FROM operations o LEFT JOIN ledger_entries e ON e.movement_id = o.movement_id
    GROUP BY o.kind, o.id, o.amount
    HAVING count(e.id) <> 2 OR coalesce(sum(abs(e.amount)), 0) <> 2 * o.amount`,
};

/** Every broken invariant, with the rows that break it. An empty array means all hold. */
export async function checkInvariants(db: Database): Promise<InvariantViolation[]> {
  return db.transaction(
    async (tx) => {
      const violations: InvariantViolation[] = [];
      for (const [invariant, query] of Object.entries(CHECKS) as [InvariantName, (typeof CHECKS)[InvariantName]][]) {
        const rows = (await tx.execute(query)) as unknown as Record<string, unknown>[];
        for (const detail of rows) violations.push({ invariant, detail: { ...detail } });
      }
      return violations;
    },
    { isolationLevel: "repeatable read", accessMode: "read only" },
  );
}
