import { type Executor, query } from "./database";
import { integerLiteral, literal, nowExpression } from "./sqlText";
import { KEY_TABLE, type KeyRef, type SqlNow, whereKey } from "./store";

// The key table's statements for phased mode (effects outside the database). A key is
// worked on by whoever holds its lease (`lease_id`, valid until `locked_until`); every write
// checks the lease, so a worker that lost it (paused too long) can no longer write.

export interface Lease {
  leaseId: string;
  leaseSeconds: number;
  now: SqlNow;
}

interface PhasedClaim extends KeyRef, Lease {
  requestPath: string;
  fingerprint: string;
  requestBody: string;
  ttlSeconds: number;
}

const leaseEnd = (lease: Lease) =>
  `${nowExpression(lease.now)} + make_interval(secs => ${integerLiteral(lease.leaseSeconds)})`;
const leaseFree = (now: SqlNow) => `(locked_until IS NULL OR locked_until <= ${nowExpression(now)})`;
const returnsRow = async (executor: Executor, text: string) =>
  (await query(executor, `${text} RETURNING 1`)).length > 0;

/** Claims a new phased key: in progress, leased to us, with the input kept for the resumer. */
export function claimPhasedKey(db: Executor, claim: PhasedClaim): Promise<boolean> {
  const now = nowExpression(claim.now);
  return returnsRow(
    db,
    `INSERT INTO ${KEY_TABLE} (principal_id, key, request_path, fingerprint, status, request_body,
                               recovery_point, phase_state, lease_id, locked_until, created_at, expires_at)
     VALUES (${literal(claim.principalId)}, ${literal(claim.key)}, ${literal(claim.requestPath)},
             ${literal(claim.fingerprint)}, 'in_progress', ${literal(claim.requestBody)}, 'started', '{}',
             ${literal(claim.leaseId)}, ${leaseEnd(claim)}, ${now},
             ${now} + make_interval(secs => ${integerLiteral(claim.ttlSeconds)}))
     ON CONFLICT (principal_id, key) DO NOTHING`,
  );
}

/**
 * Takes over an in-progress key whose lease ran out (its worker died or gave up). Returns
 * the phases it finished (phase name → result, as JSON text), or null if the lease is live.
 */
export async function takeOverLease(
  db: Executor,
  ref: KeyRef & Lease & { fingerprint: string },
): Promise<string | null> {
  const [row] = await query<{ phaseState: string }>(
    db,
    `UPDATE ${KEY_TABLE} SET lease_id = ${literal(ref.leaseId)}, locked_until = ${leaseEnd(ref)}
     WHERE ${whereKey(ref)} AND status = 'in_progress' AND fingerprint = ${literal(ref.fingerprint)}
       AND ${leaseFree(ref.now)}
     RETURNING coalesce(phase_state, '{}') AS "phaseState"`,
  );
  return row?.phaseState ?? null;
}

/** An expired key counts as new in phased mode too: restart it, leased to us. */
export function restartExpiredKey(db: Executor, claim: PhasedClaim): Promise<boolean> {
  const now = nowExpression(claim.now);
  return returnsRow(
    db,
    `UPDATE ${KEY_TABLE} SET
       request_path = ${literal(claim.requestPath)}, fingerprint = ${literal(claim.fingerprint)},
       status = 'in_progress', request_body = ${literal(claim.requestBody)}, recovery_point = 'started',
       phase_state = '{}', response_status = NULL, response_body = NULL, replay_count = 0,
       last_replayed_at = NULL, lease_id = ${literal(claim.leaseId)}, locked_until = ${leaseEnd(claim)},
       created_at = ${now}, expires_at = ${now} + make_interval(secs => ${integerLiteral(claim.ttlSeconds)})
     WHERE ${whereKey(claim)} AND expires_at <= ${now}`,
  );
}

const ours = (ref: KeyRef & { leaseId: string }) =>
  `${whereKey(ref)} AND lease_id = ${literal(ref.leaseId)} AND status = 'in_progress'`;

/**
 * Renews our lease, and inside a transaction locks the key row until it commits. False if
 * the lease is no longer ours.
 */
export function holdLease(executor: Executor, ref: KeyRef & Lease): Promise<boolean> {
  return returnsRow(executor, `UPDATE ${KEY_TABLE} SET locked_until = ${leaseEnd(ref)} WHERE ${ours(ref)}`);
}

/** Records a finished phase (the recovery point) and its result. False if the lease is gone. */
export function recordPhase(executor: Executor, ref: KeyRef & Lease & { phase: string; phaseState: string }) {
  return returnsRow(
    executor,
    `UPDATE ${KEY_TABLE}
     SET recovery_point = ${literal(ref.phase)}, phase_state = ${literal(ref.phaseState)}, locked_until = ${leaseEnd(ref)}
     WHERE ${ours(ref)}`,
  );
}

/** Stores the final answer and ends the lease. False if the lease was lost meanwhile. */
export function completePhasedKey(
  db: Executor,
  ref: KeyRef & { leaseId: string; responseStatus: number; responseBody: string; recoveryPoint: string },
): Promise<boolean> {
  return returnsRow(
    db,
    `UPDATE ${KEY_TABLE}
     SET status = 'completed', response_status = ${integerLiteral(ref.responseStatus)},
         response_body = ${literal(ref.responseBody)}, recovery_point = ${literal(ref.recoveryPoint)},
         lease_id = NULL, locked_until = NULL
     WHERE ${ours(ref)}`,
  );
}

/** Lets go of the lease at once (after an unexpected failure) so a retry can resume now. */
export async function releaseLease(db: Executor, ref: KeyRef & { leaseId: string }): Promise<void> {
  await query(
    db,
    `UPDATE ${KEY_TABLE} SET locked_until = NULL WHERE ${whereKey(ref)} AND lease_id = ${literal(ref.leaseId)}`,
  );
}

export interface AbandonedKey {
  principalId: string;
  key: string;
  requestPath: string;
  requestBody: string;
  ageSeconds: number;
}

/** In-progress keys nobody holds a live lease on, oldest lease first. */
export function findAbandonedKeys(db: Executor, options: { limit: number; now: SqlNow }): Promise<AbandonedKey[]> {
  return query<AbandonedKey>(
    db,
    `SELECT principal_id AS "principalId", key, request_path AS "requestPath", request_body AS "requestBody",
            extract(epoch FROM ${nowExpression(options.now)} - created_at)::float8 AS "ageSeconds"
     FROM ${KEY_TABLE}
     WHERE status = 'in_progress' AND ${leaseFree(options.now)}
     ORDER BY locked_until NULLS FIRST
     LIMIT ${integerLiteral(options.limit)}`,
  );
}

/** Gives up on an abandoned key: completes it with a stored error, if nobody leases it now. */
export function failAbandonedKey(
  db: Executor,
  ref: KeyRef & { responseStatus: number; responseBody: string; now: SqlNow },
): Promise<boolean> {
  return returnsRow(
    db,
    `UPDATE ${KEY_TABLE}
     SET status = 'completed', response_status = ${integerLiteral(ref.responseStatus)},
         response_body = ${literal(ref.responseBody)}, recovery_point = 'abandoned', lease_id = NULL,
         locked_until = NULL
     WHERE ${whereKey(ref)} AND status = 'in_progress' AND ${leaseFree(ref.now)}`,
  );
}
