import type { Sql, TransactionSql } from "postgres";

// The key table's statements, in raw SQL so the middleware can pipeline them (send several
// in one round trip) and so each one's cost is visible. Times come from the database clock,
// unless a test clock is given (`now`): `coalesce(now, now())`.

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

/**
 * The fast path: the completed, unexpired answer under a key, by one primary-key read
 * outside any transaction. Null when there is none (new, in flight, or expired).
 */
export async function findCompletedKey(sql: Sql, ref: KeyRef, now: SqlNow): Promise<StoredResponse | null> {
  const [row] = await sql<StoredResponse[]>`
    SELECT request_path AS "requestPath", fingerprint, response_status AS "responseStatus",
           response_body AS "responseBody"
    FROM idempotency_keys
    WHERE principal_id = ${ref.principalId} AND key = ${ref.key}
      AND status = 'completed' AND expires_at > coalesce(${now}::timestamptz, now())`;
  return row ?? null;
}

/** What claimKey found: claimed, or the row that was already there (null if it could not see it). */
export type ClaimResult = { claimed: true } | { claimed: false; existing: KeyRow | null };

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
export function claimKey(
  tx: TransactionSql,
  ref: KeyRef & { requestPath: string; fingerprint: string; ttlSeconds: number; lockTimeoutMs: number; now: SqlNow },
): Promise<ClaimResult> {
  const now = sqlNowExpression(tx, ref.now);
  return tx<(KeyRow & { claimed: boolean; found: boolean })[]>`
    WITH prior AS MATERIALIZED (SELECT current_setting('lock_timeout') AS lock_timeout),
    bounded_wait AS MATERIALIZED (SELECT set_config('lock_timeout', ${`${ref.lockTimeoutMs}ms`}, true) FROM prior),
    claim AS (
      INSERT INTO idempotency_keys (principal_id, key, request_path, fingerprint, status, created_at, expires_at)
      SELECT ${ref.principalId}, ${ref.key}, ${ref.requestPath}, ${ref.fingerprint}, 'completed',
             ${now}, ${now} + make_interval(secs => ${ref.ttlSeconds})
      FROM bounded_wait
      ON CONFLICT (principal_id, key) DO NOTHING
      RETURNING 1
    ),
    outcome AS MATERIALIZED (SELECT EXISTS (SELECT 1 FROM claim) AS claimed),
    unbounded AS MATERIALIZED (SELECT set_config('lock_timeout', prior.lock_timeout, true) FROM prior, outcome)
    SELECT outcome.claimed, k.key IS NOT NULL AS found,
           k.request_path AS "requestPath", k.fingerprint, k.status, k.response_status AS "responseStatus",
           k.response_body AS "responseBody", k.expires_at <= ${now} AS expired,
           coalesce(k.locked_until > ${now}, false) AS leased
    FROM outcome CROSS JOIN unbounded
    LEFT JOIN idempotency_keys AS k ON k.principal_id = ${ref.principalId} AND k.key = ${ref.key}`
    .execute()
    .then(([row]) => {
      if (row?.claimed) return { claimed: true };
      if (!row?.found) return { claimed: false, existing: null };
      const { claimed: _claimed, found: _found, ...existing } = row;
      return { claimed: false, existing };
    });
}

/** `coalesce($now, now())`: the test clock if one is set, else the database's. */
function sqlNowExpression(sql: Sql | TransactionSql, now: SqlNow) {
  return sql`coalesce(${now}::timestamptz, now())`;
}

/** The key's row as this transaction (or the pool) sees it now, or null. */
export async function readKey(sql: Sql | TransactionSql, ref: KeyRef, now: SqlNow): Promise<KeyRow | null> {
  const [row] = await sql<KeyRow[]>`
    SELECT request_path AS "requestPath", fingerprint, status, response_status AS "responseStatus",
           response_body AS "responseBody", expires_at <= coalesce(${now}::timestamptz, now()) AS expired,
           coalesce(locked_until > coalesce(${now}::timestamptz, now()), false) AS leased
    FROM idempotency_keys
    WHERE principal_id = ${ref.principalId} AND key = ${ref.key}`;
  return row ?? null;
}

/**
 * An expired key counts as new: take its row over for this request, atomically. Returns
 * false if someone else took it over first (their row is live again by then).
 */
export async function takeOverExpiredKey(
  tx: TransactionSql,
  ref: KeyRef & { requestPath: string; fingerprint: string; ttlSeconds: number; now: SqlNow },
): Promise<boolean> {
  const rows = await tx`
    UPDATE idempotency_keys SET
      request_path = ${ref.requestPath}, fingerprint = ${ref.fingerprint}, status = 'completed',
      response_status = NULL, response_body = NULL, replay_count = 0, last_replayed_at = NULL,
      request_body = NULL, recovery_point = NULL, phase_state = NULL, locked_until = NULL, lease_id = NULL,
      created_at = coalesce(${ref.now}::timestamptz, now()),
      expires_at = coalesce(${ref.now}::timestamptz, now()) + make_interval(secs => ${ref.ttlSeconds})
    WHERE principal_id = ${ref.principalId} AND key = ${ref.key}
      AND expires_at <= coalesce(${ref.now}::timestamptz, now())
    RETURNING 1`;
  return rows.length > 0;
}

/**
 * Writes the answer onto the claimed row, in the business transaction. Returns the
 * dispatched query so it can share a round trip with COMMIT.
 */
export function storeResponse(tx: TransactionSql, ref: KeyRef & { responseStatus: number; responseBody: string }) {
  return tx`
    UPDATE idempotency_keys SET response_status = ${ref.responseStatus}, response_body = ${ref.responseBody}
    WHERE principal_id = ${ref.principalId} AND key = ${ref.key}`.execute();
}

/** Adds replays to keys' counters: one statement for a batch of keys. */
export async function addReplays(sql: Sql, counts: { principalId: string; key: string; replays: number }[]) {
  if (counts.length === 0) return;
  const principalIds = counts.map((c) => c.principalId);
  const keys = counts.map((c) => c.key);
  const replays = counts.map((c) => c.replays);
  await sql`
    UPDATE idempotency_keys AS k
    SET replay_count = k.replay_count + r.replays, last_replayed_at = now()
    FROM unnest(${principalIds}::uuid[], ${keys}::text[], ${replays}::int[]) AS r(principal_id, key, replays)
    WHERE k.principal_id = r.principal_id AND k.key = r.key`;
}
