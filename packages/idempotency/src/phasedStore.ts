import type { Sql, TransactionSql } from "postgres";
import type { KeyRef, SqlNow } from "./store";

// The key table's statements for phased mode (effects outside the database). A key is
// worked on by whoever holds its lease (`lease_id`, valid until `locked_until`); every write
// checks the lease, so a worker that lost it (paused too long) can no longer write.

export interface Lease {
  leaseId: string;
  leaseSeconds: number;
  now: SqlNow;
}

/** Claims a new phased key: in progress, leased to us, with the input kept for the resumer. */
export async function claimPhasedKey(
  sql: Sql,
  ref: KeyRef & Lease & { requestPath: string; fingerprint: string; requestBody: string; ttlSeconds: number },
): Promise<boolean> {
  const rows = await sql`
    INSERT INTO idempotency_keys (principal_id, key, request_path, fingerprint, status, request_body,
                                  recovery_point, phase_state, lease_id, locked_until, created_at, expires_at)
    VALUES (${ref.principalId}, ${ref.key}, ${ref.requestPath}, ${ref.fingerprint}, 'in_progress', ${ref.requestBody},
            'started', '{}', ${ref.leaseId},
            coalesce(${ref.now}::timestamptz, now()) + make_interval(secs => ${ref.leaseSeconds}),
            coalesce(${ref.now}::timestamptz, now()),
            coalesce(${ref.now}::timestamptz, now()) + make_interval(secs => ${ref.ttlSeconds}))
    ON CONFLICT (principal_id, key) DO NOTHING
    RETURNING 1`;
  return rows.length > 0;
}

/**
 * Takes over an in-progress key whose lease ran out (its worker died or gave up). Returns
 * the phases it finished (phase name → result, as JSON text), or null if the lease is live.
 */
export async function takeOverLease(sql: Sql, ref: KeyRef & Lease & { fingerprint: string }): Promise<string | null> {
  const [row] = await sql<{ phaseState: string }[]>`
    UPDATE idempotency_keys
    SET lease_id = ${ref.leaseId},
        locked_until = coalesce(${ref.now}::timestamptz, now()) + make_interval(secs => ${ref.leaseSeconds})
    WHERE principal_id = ${ref.principalId} AND key = ${ref.key} AND status = 'in_progress'
      AND fingerprint = ${ref.fingerprint}
      AND (locked_until IS NULL OR locked_until <= coalesce(${ref.now}::timestamptz, now()))
    RETURNING coalesce(phase_state, '{}') AS "phaseState"`;
  return row?.phaseState ?? null;
}

/** An expired key counts as new in phased mode too: restart it, leased to us. */
export async function restartExpiredKey(
  sql: Sql,
  ref: KeyRef & Lease & { requestPath: string; fingerprint: string; requestBody: string; ttlSeconds: number },
): Promise<boolean> {
  const rows = await sql`
    UPDATE idempotency_keys SET
      request_path = ${ref.requestPath}, fingerprint = ${ref.fingerprint}, status = 'in_progress',
      request_body = ${ref.requestBody}, recovery_point = 'started', phase_state = '{}',
      response_status = NULL, response_body = NULL, replay_count = 0, last_replayed_at = NULL,
      lease_id = ${ref.leaseId},
      locked_until = coalesce(${ref.now}::timestamptz, now()) + make_interval(secs => ${ref.leaseSeconds}),
      created_at = coalesce(${ref.now}::timestamptz, now()),
      expires_at = coalesce(${ref.now}::timestamptz, now()) + make_interval(secs => ${ref.ttlSeconds})
    WHERE principal_id = ${ref.principalId} AND key = ${ref.key}
      AND expires_at <= coalesce(${ref.now}::timestamptz, now())
    RETURNING 1`;
  return rows.length > 0;
}

/**
 * Renews our lease, and inside a transaction locks the key row until it commits. False if
 * the lease is no longer ours.
 */
export async function holdLease(sql: Sql | TransactionSql, ref: KeyRef & Lease): Promise<boolean> {
  const rows = await sql`
    UPDATE idempotency_keys
    SET locked_until = coalesce(${ref.now}::timestamptz, now()) + make_interval(secs => ${ref.leaseSeconds})
    WHERE principal_id = ${ref.principalId} AND key = ${ref.key} AND lease_id = ${ref.leaseId}
      AND status = 'in_progress'
    RETURNING 1`;
  return rows.length > 0;
}

/** Records a finished phase (the recovery point) and its result. False if the lease is gone. */
export async function recordPhase(
  sql: Sql | TransactionSql,
  ref: KeyRef & Lease & { phase: string; phaseState: string },
): Promise<boolean> {
  const rows = await sql`
    UPDATE idempotency_keys
    SET recovery_point = ${ref.phase}, phase_state = ${ref.phaseState},
        locked_until = coalesce(${ref.now}::timestamptz, now()) + make_interval(secs => ${ref.leaseSeconds})
    WHERE principal_id = ${ref.principalId} AND key = ${ref.key} AND lease_id = ${ref.leaseId}
      AND status = 'in_progress'
    RETURNING 1`;
  return rows.length > 0;
}

/** Stores the final answer and ends the lease. False if the lease was lost meanwhile. */
export async function completePhasedKey(
  sql: Sql,
  ref: KeyRef & { leaseId: string; responseStatus: number; responseBody: string; recoveryPoint: string },
): Promise<boolean> {
  const rows = await sql`
    UPDATE idempotency_keys
    SET status = 'completed', response_status = ${ref.responseStatus}, response_body = ${ref.responseBody},
        recovery_point = ${ref.recoveryPoint}, lease_id = NULL, locked_until = NULL
    WHERE principal_id = ${ref.principalId} AND key = ${ref.key} AND status = 'in_progress'
      AND lease_id = ${ref.leaseId}
    RETURNING 1`;
  return rows.length > 0;
}

/** Lets go of the lease at once (after an unexpected failure) so a retry can resume now. */
export async function releaseLease(sql: Sql, ref: KeyRef & { leaseId: string }): Promise<void> {
  await sql`
    UPDATE idempotency_keys SET locked_until = NULL
    WHERE principal_id = ${ref.principalId} AND key = ${ref.key} AND lease_id = ${ref.leaseId}`;
}

export interface AbandonedKey {
  principalId: string;
  key: string;
  requestPath: string;
  requestBody: string;
  ageSeconds: number;
}

/** In-progress keys nobody holds a live lease on, oldest lease first. */
export async function findAbandonedKeys(sql: Sql, options: { limit: number; now: SqlNow }): Promise<AbandonedKey[]> {
  return sql<AbandonedKey[]>`
    SELECT principal_id AS "principalId", key, request_path AS "requestPath", request_body AS "requestBody",
           extract(epoch FROM coalesce(${options.now}::timestamptz, now()) - created_at)::float8 AS "ageSeconds"
    FROM idempotency_keys
    WHERE status = 'in_progress'
      AND (locked_until IS NULL OR locked_until <= coalesce(${options.now}::timestamptz, now()))
    ORDER BY locked_until NULLS FIRST
    LIMIT ${options.limit}`;
}

/** Gives up on an abandoned key: completes it with a stored error, if nobody leases it now. */
export async function failAbandonedKey(
  sql: Sql,
  ref: KeyRef & { responseStatus: number; responseBody: string; now: SqlNow },
): Promise<boolean> {
  const rows = await sql`
    UPDATE idempotency_keys
    SET status = 'completed', response_status = ${ref.responseStatus}, response_body = ${ref.responseBody},
        recovery_point = 'abandoned', lease_id = NULL, locked_until = NULL
    WHERE principal_id = ${ref.principalId} AND key = ${ref.key} AND status = 'in_progress'
      AND (locked_until IS NULL OR locked_until <= coalesce(${ref.now}::timestamptz, now()))
    RETURNING 1`;
  return rows.length > 0;
}
