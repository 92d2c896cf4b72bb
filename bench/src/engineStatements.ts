// The middleware's statements, for the benches that measure them without the middleware
// (benchServer.ts's `statements*` procedures and driverStatements.ts), and the floor they are
// compared with. Through drizzle they are the engine's own (@oncely/idempotency/store); at the
// driver they are the same SQL as postgres.js tagged templates (prepared, like the engine's).
import {
  type Answer,
  insertAnswer,
  type KeyRef,
  LOCK_SEED,
  literal,
  lockName,
  tryClaimKey,
} from "@oncely/idempotency/store";
import type postgres from "postgres";

const FINGERPRINT = "0".repeat(64);
type Tx = Parameters<typeof tryClaimKey>[0];

const answer = (ref: KeyRef, requestPath: string, body: string): Answer => ({
  ...ref,
  requestPath,
  fingerprint: FINGERPRINT,
  ttlSeconds: 86_400,
  now: null,
  responseStatus: 200,
  responseBody: body,
});

/** The claim as the middleware sends it for a key nobody holds: the key's lock and its row in one statement. */
export const claim = (tx: Tx, ref: KeyRef) => tryClaimKey(tx, ref, null);

/** The key row with its answer, as the middleware writes it with COMMIT. */
export const storeAnswer = (tx: Tx, ref: KeyRef, requestPath: string, body: string) =>
  insertAnswer(tx, answer(ref, requestPath, body));

/** The claim as SQL text with its values as parameters: the key's lock if free, and its row. */
const CLAIM_TEXT = `SELECT claim.locked, k.key IS NOT NULL AS present, k.request_path, k.fingerprint, k.status,
       k.response_status, k.response_body, k.expires_at <= now() AS expired,
       coalesce(k.locked_until > now(), false) AS leased
  FROM (SELECT pg_try_advisory_xact_lock(hashtextextended($1, ${LOCK_SEED})) AS locked) AS claim
  LEFT JOIN oncely_idempotency_keys AS k ON k.principal_id = $2 AND k.key = $3`;

const claimValues = (ref: KeyRef) => [lockName(ref), ref.principalId, ref.key];

/**
 * The claim at the driver: `prepare` true as the engine sends it; false as drizzle's
 * `execute(sql)` would, so postgres.js has PostgreSQL describe the statement first (a round
 * trip of its own) and parse it every time.
 */
export const claimAtDriver = (sql: postgres.TransactionSql, ref: KeyRef, prepare = true) =>
  sql.unsafe(CLAIM_TEXT, claimValues(ref), { prepare }).execute();

/** The claim with its values written into the text (no parameters: no describe, parsed every time). */
export const claimLiteralAtDriver = (sql: postgres.TransactionSql, ref: KeyRef) => {
  const values = claimValues(ref);
  const text = CLAIM_TEXT.replace(/\$(\d)/g, (_, n) => literal(values[Number(n) - 1] ?? ""));
  return sql.unsafe(text, [], { prepare: false }).execute();
};

/**
 * The key row with its answer at the driver. Also the floor of any key store kept in the
 * business transaction (the row alone: no lock for duplicates to wait on, so not an engine).
 */
export const insertKeyRowWithAnswer = (sql: postgres.TransactionSql, ref: KeyRef, requestPath: string, body: string) =>
  sql`
    INSERT INTO oncely_idempotency_keys (principal_id, key, request_path, fingerprint, status, created_at,
                                         expires_at, response_status, response_body)
    VALUES (${ref.principalId}, ${ref.key}, ${requestPath}, ${FINGERPRINT}, 'completed', now(),
            now() + interval '1 day', 200, ${body})`.execute();

/** Sends a statement to share COMMIT's round trip: not awaited; if it fails, so does COMMIT. */
export const withCommit = (query: PromiseLike<unknown>) => void Promise.resolve(query).catch(() => {});
