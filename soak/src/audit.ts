import { checkInvariants, type InvariantViolation } from "@oncely/api";
import type { DbClient } from "@oncely/db";
import { finalOutcome, KEYED_PROCEDURES, type KeyedPath, type OperationRecord, type Outcome } from "./journal";

/**
 * Refusals the workload can legitimately meet. Each is a deterministic business outcome the
 * engine stores under the key. Anything else (a 404, a 400, a 422 "key reused") means the
 * system answered something it should not have, and fails the audit.
 */
export const EXPECTED_REFUSALS = new Set(["insufficient_funds", "order_already_paid", "refund_exceeds_payment"]);

export interface Finding {
  detail: string;
}

export interface AuditResult {
  invariantViolations: InvariantViolation[];
  /** Operations a client saw succeed whose key or row is missing from the database. */
  lostAcknowledgedWrites: Finding[];
  /** Effects that happened more than once, or without a key whose answer accounts for them. */
  doubleEffects: Finding[];
  /** What a client was told differs from what the database holds (or copies disagree). */
  mismatchedAnswers: Finding[];
  /** Refusals the workload should never get. */
  unexpectedRefusals: Finding[];
  /** Operations still without an answer after reconciliation. */
  unresolved: Finding[];
  /** Keys not completed after the run: claimed, never answered (none can exist in atomic mode). */
  stuckKeys: Finding[];
  counts: {
    operations: number;
    acknowledged: number;
    refused: number;
    /** Acknowledged operations whose key and row were found and matched. */
    verified: number;
    keys: number;
    rows: Record<(typeof KEYED_PROCEDURES)[KeyedPath], number>;
    /** Replays counted by the server in the key table (includes answers that were then dropped). */
    serverReplays: number;
  };
  ok: boolean;
}

interface KeyRow {
  principal_id: string;
  key: string;
  request_path: string;
  status: string;
  response_status: number | null;
  response_body: string | null;
  replay_count: number;
}

interface BusinessRow {
  id: string;
  principal_id: string;
  amount: number;
  /** orders: description; payments: order_id; refunds: payment_id; transfers: "from>to". */
  ref: string | null;
}

type Table = (typeof KEYED_PROCEDURES)[KeyedPath];
const TABLES: Table[] = ["orders", "payments", "refunds", "transfers"];
const REF_COLUMN: Record<Table, string> = {
  orders: "description",
  payments: "order_id::text",
  refunds: "payment_id::text",
  transfers: "from_account_id::text || '>' || to_account_id::text",
};

/**
 * Compares what the clients saw with what the database holds, after the run:
 * - the ledger's invariants (checkInvariants);
 * - every acknowledged operation exists exactly once: its key is stored with that very
 *   answer, and the row the answer names exists, belongs to the principal and matches the input;
 * - nothing ran twice: every order, payment, refund and transfer row is named by exactly one
 *   key's stored answer (a second execution would leave a row no answer names), orders per
 *   key (tagged in the description) ≤ 1, payments per order ≤ 1, refunds ≤ payment, no money
 *   movement without its operation, one outbox message per order and per payment;
 * - refusals are only the expected business ones, and were stored under their key;
 * - copies sent with one key (double clicks) were told the same thing.
 */
export async function auditSoak(client: DbClient, records: OperationRecord[]): Promise<AuditResult> {
  const { sql } = client;
  const lost: Finding[] = [];
  const doubles: Finding[] = [];
  const mismatched: Finding[] = [];
  const unexpected: Finding[] = [];
  const unresolved: Finding[] = [];

  const invariantViolations = await checkInvariants(client.db);
  const principals = new Map(
    (await sql<{ id: string; name: string }[]>`SELECT id, name FROM principals`).map((p) => [p.name, p.id]),
  );
  const keys = new Map<string, KeyRow>();
  for (const row of await sql<KeyRow[]>`
    SELECT principal_id, key, request_path, status::text, response_status, response_body, replay_count
    FROM oncely_idempotency_keys`) {
    keys.set(`${row.principal_id}/${row.key}`, row);
  }
  const rows = {} as Record<Table, Map<string, BusinessRow>>;
  for (const table of TABLES) {
    const found = await sql.unsafe<BusinessRow[]>(
      `SELECT id, principal_id, amount::float8 AS amount, ${REF_COLUMN[table]} AS ref FROM ${table}`,
    );
    rows[table] = new Map(found.map((row) => [row.id, row]));
  }

  // Every row must be named by exactly one key's stored answer, and every answer's row must exist.
  const namedBy = new Map<string, string[]>();
  for (const key of keys.values()) {
    const table = KEYED_PROCEDURES[key.request_path as KeyedPath];
    if (!table || key.response_status !== 200 || key.response_body === null) continue;
    const id = (JSON.parse(key.response_body) as { id?: string }).id ?? "";
    const row = rows[table].get(id);
    if (!row) {
      lost.push({ detail: `key ${key.key} (${key.request_path}) answered ${table} ${id}, which does not exist` });
      continue;
    }
    if (row.principal_id !== key.principal_id) {
      mismatched.push({ detail: `key ${key.key} of one principal names ${table} ${id} of another` });
    }
    namedBy.set(`${table}/${id}`, [...(namedBy.get(`${table}/${id}`) ?? []), key.key]);
  }
  for (const table of TABLES) {
    for (const id of rows[table].keys()) {
      const names = namedBy.get(`${table}/${id}`) ?? [];
      if (names.length === 0) doubles.push({ detail: `${table} ${id} was created but no key's answer names it` });
      if (names.length > 1) doubles.push({ detail: `${table} ${id} is the answer of ${names.length} keys` });
    }
  }

  for (const finding of await sql<{ detail: string }[]>`
      SELECT 'key ' || substr(description, 6) || ' created ' || count(*) || ' orders' AS detail
      FROM orders WHERE description LIKE 'soak %' GROUP BY description HAVING count(*) > 1
    UNION ALL
      SELECT 'order ' || order_id || ' has ' || count(*) || ' payments' FROM payments
      GROUP BY order_id HAVING count(*) > 1
    UNION ALL
      SELECT 'payment ' || p.id || ' refunded ' || sum(r.amount) || ' of ' || p.amount
      FROM payments p JOIN refunds r ON r.payment_id = p.id GROUP BY p.id HAVING sum(r.amount) > p.amount
    UNION ALL
      SELECT 'money moved by ' || e.movement_id || ' belongs to no payment, refund or transfer'
      FROM ledger_entries e JOIN accounts a ON a.id = e.account_id
      WHERE NOT EXISTS (SELECT 1 FROM payments WHERE movement_id = e.movement_id)
        AND NOT EXISTS (SELECT 1 FROM refunds WHERE movement_id = e.movement_id)
        AND NOT EXISTS (SELECT 1 FROM transfers WHERE movement_id = e.movement_id)
      GROUP BY e.movement_id HAVING bool_and(a.kind <> 'equity')
    UNION ALL
      SELECT topic || ' for ' || subject_id || ' was queued ' || count(*) || ' times' FROM outbox_messages
      GROUP BY topic, subject_id HAVING count(*) > 1`) {
    doubles.push(finding);
  }
  for (const finding of await sql<{ detail: string }[]>`
      SELECT 'order ' || id || ' has no confirmation message' AS detail FROM orders o
      WHERE NOT EXISTS (SELECT 1 FROM outbox_messages m WHERE m.topic = 'order_confirmation' AND m.subject_id = o.id)
    UNION ALL
      SELECT 'payment ' || id || ' has no receipt message' FROM payments p
      WHERE NOT EXISTS (SELECT 1 FROM outbox_messages m WHERE m.topic = 'payment_receipt' AND m.subject_id = p.id)`) {
    lost.push(finding);
  }

  // What each client saw, against the database.
  let acknowledged = 0;
  let refused = 0;
  let verified = 0;
  for (const record of records) {
    const outcome = finalOutcome(record);
    const principalId = principals.get(record.principal) ?? "";
    const key = keys.get(`${principalId}/${record.key}`);
    const what = `${record.path} #${record.seq} (key ${record.key})`;
    if (outcome.kind === "unknown") {
      unresolved.push({ detail: `${what} ended ${outcome.errorCode}: ${outcome.message}` });
      continue;
    }
    if (outcome.kind === "refused") {
      refused++;
      const code = outcome.serverCode ?? `HTTP ${outcome.httpStatus}`;
      if (!EXPECTED_REFUSALS.has(code)) {
        unexpected.push({ detail: `${what} was refused: ${code}` });
        continue;
      }
      const stored = key?.response_body ? (JSON.parse(key.response_body) as { business?: string }) : undefined;
      if (key?.response_status !== outcome.httpStatus || stored?.business !== code) {
        mismatched.push({ detail: `${what} was refused with ${code}, but that refusal is not stored under its key` });
      }
      continue;
    }
    acknowledged++;
    if (!key) {
      lost.push({ detail: `${what} succeeded (${outcome.id}) but its key is not in the database` });
      continue;
    }
    const table = KEYED_PROCEDURES[record.path];
    const row = rows[table].get(outcome.id);
    if (!row) {
      lost.push({ detail: `${what} succeeded but ${table} ${outcome.id} does not exist` });
      continue;
    }
    const problem = compare(record, outcome, key, row, principalId);
    if (problem) mismatched.push({ detail: `${what}: ${problem}` });
    else verified++;
  }

  // Copies sent at once with one key must have been told the same thing.
  const byKey = new Map<string, OperationRecord[]>();
  for (const record of records)
    byKey.set(`${record.principal}/${record.key}`, [...(byKey.get(`${record.principal}/${record.key}`) ?? []), record]);
  for (const [key, group] of byKey) {
    const answers = new Set(
      group.map(finalOutcome).flatMap((o) => (o.kind === "succeeded" ? [JSON.stringify(o.data)] : [])),
    );
    if (answers.size > 1)
      mismatched.push({ detail: `copies sent with key ${key} got ${answers.size} different answers` });
  }

  const counts: AuditResult["counts"] = {
    operations: records.length,
    acknowledged,
    refused,
    verified,
    keys: keys.size,
    rows: Object.fromEntries(TABLES.map((t) => [t, rows[t].size])) as AuditResult["counts"]["rows"],
    serverReplays: [...keys.values()].reduce((sum, k) => sum + k.replay_count, 0),
  };
  const stuckKeys = [...keys.values()]
    .filter((key) => key.status !== "completed")
    .map((key) => ({ detail: `key ${key.key} (${key.request_path}) is ${key.status}` }));
  const ok = [invariantViolations, lost, doubles, mismatched, unexpected, unresolved, stuckKeys].every(
    (list) => list.length === 0,
  );
  return {
    invariantViolations,
    lostAcknowledgedWrites: lost,
    doubleEffects: doubles,
    mismatchedAnswers: mismatched,
    unexpectedRefusals: unexpected,
    unresolved,
    stuckKeys,
    counts,
    ok,
  };
}

/** Why an acknowledged answer does not match the stored key and row, or null if it does. */
function compare(
  record: OperationRecord,
  outcome: Extract<Outcome, { kind: "succeeded" }>,
  key: KeyRow,
  row: BusinessRow,
  principalId: string,
): string | null {
  if (key.status !== "completed" || key.response_status !== 200)
    return `its key is ${key.status}/${key.response_status}`;
  if (key.request_path !== record.path) return `its key was stored for ${key.request_path}`;
  // Every attempt's answer is the stored one, byte for byte (first run and replays alike).
  if (key.response_body !== JSON.stringify(outcome.data)) {
    return `the client was told ${JSON.stringify(outcome.data).slice(0, 120)}, the key stores ${key.response_body?.slice(0, 120)}`;
  }
  if (row.principal_id !== principalId) return "the row belongs to another principal";
  const input = record.input;
  const expected: Record<KeyedPath, [unknown, unknown][]> = {
    "orders.create": [
      [row.amount, input.amount],
      [row.ref, input.description],
    ],
    "payments.create": [[row.ref, input.orderId]],
    "refunds.create": [
      [row.amount, input.amount],
      [row.ref, input.paymentId],
    ],
    "transfers.create": [
      [row.amount, input.amount],
      [row.ref, `${input.fromAccountId}>${input.toAccountId}`],
    ],
  };
  const differs = expected[record.path].find(([actual, wanted]) => actual !== wanted);
  return differs ? `the row holds ${String(differs[0])}, the request asked for ${String(differs[1])}` : null;
}
