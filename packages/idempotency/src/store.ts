import { getTableName } from "drizzle-orm";
import { type Executor, query } from "./database";
import { idempotencyKeys } from "./schema";
import { integerArray, integerLiteral, literal, nowExpression, textArray } from "./sqlText";

// The key table's statements in atomic mode, as SQL text so several can share one round trip
// and each one's cost is visible (see sqlText.ts for why values are written in as literals).
// Times come from the database clock, unless a test clock is given (`now`).

/** The key table's name, from its Drizzle definition (one source of truth). */
export const KEY_TABLE = `"${getTableName(idempotencyKeys)}"`;

export interface KeyRef {
  principalId: string;
  key: string;
}

export interface StoredResponse {
  requestPath: string;
  fingerprint: string;
  /** HTTP status of the stored answer: 200 for data, 4xx for a stored business error. */
  responseStatus: number;
  responseBody: string;
}

export interface KeyRow {
  requestPath: string;
  fingerprint: string;
  status: "in_progress" | "completed";
  responseStatus: number | null;
  responseBody: string | null;
  expired: boolean;
  /** Phased mode: someone holds an unexpired lease on the key. */
  leased: boolean;
}

/** A moment for SQL: the test clock's (ISO text), or null for the database's now(). */
export type SqlNow = string | null;

/** The test clock's reading for SQL, or null to use the database's clock. */
export const sqlNow = (clock: (() => Date) | undefined): SqlNow => clock?.().toISOString() ?? null;

/** `principal_id = … AND key = …` for one key. */
export const whereKey = (ref: KeyRef, alias = ""): string =>
  `${alias}principal_id = ${literal(ref.principalId)} AND ${alias}key = ${literal(ref.key)}`;

const ROW_COLUMNS = (now: SqlNow, alias = "") => {
  const c = (column: string) => `${alias}${column}`;
  return `${c("request_path")} AS "requestPath", ${c("fingerprint")} AS fingerprint, ${c("status")} AS status,
    ${c("response_status")} AS "responseStatus", ${c("response_body")} AS "responseBody",
    ${c("expires_at")} <= ${nowExpression(now)} AS expired,
    coalesce(${c("locked_until")} > ${nowExpression(now)}, false) AS leased`;
};

/**
 * The fast path: the completed, unexpired answer under a key, by one primary-key read
 * outside any transaction. Null when there is none (new, in flight, or expired).
 */
export async function findCompletedKey(db: Executor, ref: KeyRef, now: SqlNow): Promise<StoredResponse | null> {
  const [row] = await query<StoredResponse>(
    db,
    `SELECT request_path AS "requestPath", fingerprint, response_status AS "responseStatus",
            response_body AS "responseBody"
     FROM ${KEY_TABLE}
     WHERE ${whereKey(ref)} AND status = 'completed' AND expires_at > ${nowExpression(now)}`,
  );
  return row ?? null;
}

/** What claimKey found: claimed, or the row that was already there (null if it could not see it). */
export type ClaimResult = { claimed: true } | { claimed: false; existing: KeyRow | null };

export interface ClaimRequest extends KeyRef {
  requestPath: string;
  fingerprint: string;
  ttlSeconds: number;
  now: SqlNow;
}

/**
 * Claims a new key inside the business transaction, in one statement that also returns the
 * row already there, so a replay found here needs no second read.
 *
 * If another transaction holds the same key uncommitted, the INSERT waits on PostgreSQL's
 * own lock for that row, then sees its outcome (committed: not claimed; rolled back:
 * claimed). The wait is bounded by lock_timeout, and only the wait: `bounded_wait` sets the
 * bound before the INSERT reads its row from it, and `unbounded` puts the transaction's own
 * value back once `outcome` has the INSERT's result, so the handler's lock waits are not cut
 * short (and mistaken for a duplicate in flight). Each CTE reads the one before it, which
 * fixes their order; no separate SET statements, no extra round trip.
 * The returned row comes from the statement's snapshot: after such a wait it cannot see the
 * winner's row (`existing` null), and the caller reads it.
 */
export async function claimKey(tx: Executor, request: ClaimRequest & { lockTimeoutMs: number }): Promise<ClaimResult> {
  return readClaim(await query<ClaimRow>(tx, claimStatement(request)));
}

type ClaimRow = KeyRow & { claimed: boolean; found: boolean };

/** The claim's SQL text (claimKey runs it; the benchmarks send it at the driver too). */
export function claimStatement(request: ClaimRequest & { lockTimeoutMs: number }): string {
  const now = nowExpression(request.now);
  return `WITH prior AS MATERIALIZED (SELECT current_setting('lock_timeout') AS lock_timeout),
    bounded_wait AS MATERIALIZED (
      SELECT set_config('lock_timeout', ${literal(`${integerLiteral(request.lockTimeoutMs)}ms`)}, true) FROM prior
    ),
    claim AS (
      INSERT INTO ${KEY_TABLE} (principal_id, key, request_path, fingerprint, status, created_at, expires_at)
      SELECT ${literal(request.principalId)}, ${literal(request.key)}, ${literal(request.requestPath)},
             ${literal(request.fingerprint)}, 'completed', ${now},
             ${now} + make_interval(secs => ${integerLiteral(request.ttlSeconds)})
      FROM bounded_wait
      ON CONFLICT (principal_id, key) DO NOTHING
      RETURNING 1
    ),
    outcome AS MATERIALIZED (SELECT EXISTS (SELECT 1 FROM claim) AS claimed),
    unbounded AS MATERIALIZED (SELECT set_config('lock_timeout', prior.lock_timeout, true) FROM prior, outcome)
    SELECT outcome.claimed, k.key IS NOT NULL AS found, ${ROW_COLUMNS(request.now, "k.")}
    FROM outcome CROSS JOIN unbounded
    LEFT JOIN ${KEY_TABLE} AS k ON ${whereKey(request, "k.")}`;
}

function readClaim([row]: ClaimRow[]): ClaimResult {
  if (row?.claimed) return { claimed: true };
  if (!row?.found) return { claimed: false, existing: null };
  const { claimed: _claimed, found: _found, ...existing } = row;
  return { claimed: false, existing };
}

/** The key's row as this transaction (or the database) sees it now, or null. */
export async function readKey(executor: Executor, ref: KeyRef, now: SqlNow): Promise<KeyRow | null> {
  const [row] = await query<KeyRow>(executor, `SELECT ${ROW_COLUMNS(now)} FROM ${KEY_TABLE} WHERE ${whereKey(ref)}`);
  return row ?? null;
}

/**
 * An expired key counts as new: take its row over for this request, atomically. Returns
 * false if someone else took it over first (their row is live again by then).
 */
export async function takeOverExpiredKey(tx: Executor, request: ClaimRequest): Promise<boolean> {
  const now = nowExpression(request.now);
  const rows = await query(
    tx,
    `UPDATE ${KEY_TABLE} SET
       request_path = ${literal(request.requestPath)}, fingerprint = ${literal(request.fingerprint)},
       status = 'completed', response_status = NULL, response_body = NULL, replay_count = 0,
       last_replayed_at = NULL, request_body = NULL, recovery_point = NULL, phase_state = NULL,
       locked_until = NULL, lease_id = NULL, created_at = ${now},
       expires_at = ${now} + make_interval(secs => ${integerLiteral(request.ttlSeconds)})
     WHERE ${whereKey(request)} AND expires_at <= ${now}
     RETURNING 1`,
  );
  return rows.length > 0;
}

/**
 * Writes the answer onto the claimed row, in the business transaction. Returns the
 * dispatched statement so it can share a round trip with COMMIT.
 */
export function storeResponse(tx: Executor, ref: KeyRef & { responseStatus: number; responseBody: string }) {
  return query(tx, storeResponseStatement(ref));
}

/** The stored answer's SQL text (storeResponse runs it; the benchmarks send it at the driver too). */
export const storeResponseStatement = (ref: KeyRef & { responseStatus: number; responseBody: string }): string =>
  `UPDATE ${KEY_TABLE} SET response_status = ${integerLiteral(ref.responseStatus)},
     response_body = ${literal(ref.responseBody)}
   WHERE ${whereKey(ref)}`;

/** Adds replays to keys' counters: one statement for a batch of keys. */
export async function addReplays(db: Executor, counts: { principalId: string; key: string; replays: number }[]) {
  if (counts.length === 0) return;
  await query(
    db,
    `UPDATE ${KEY_TABLE} AS k
     SET replay_count = k.replay_count + r.replays, last_replayed_at = now()
     FROM unnest(${textArray(counts.map((c) => c.principalId))}, ${textArray(counts.map((c) => c.key))},
                 ${integerArray(counts.map((c) => c.replays))}) AS r(principal_id, key, replays)
     WHERE k.principal_id = r.principal_id AND k.key = r.key`,
  );
}
