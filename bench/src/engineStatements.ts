// The middleware's statements, for the benches that measure them without the middleware
// (benchServer.ts's `statements*` procedures and driverStatements.ts), and the floor they are
// compared with. Through drizzle they are the engine's own (@oncely/idempotency/store); at the
// driver they are the same SQL as postgres.js tagged templates (prepared, like the engine's).
import {
  type Answer,
  findKey,
  insertAnswer,
  type KeyRef,
  LOCK_SEED,
  literal,
  lockKey,
  lockName,
} from "@oncely/idempotency/store";
import type postgres from "postgres";

const FINGERPRINT = "0".repeat(64);
const LOCK_TIMEOUT_MS = 5_000;
type Tx = Parameters<typeof lockKey>[0];

const answer = (ref: KeyRef, requestPath: string, body: string): Answer => ({
  ...ref,
  requestPath,
  fingerprint: FINGERPRINT,
  ttlSeconds: 86_400,
  now: null,
  responseStatus: 200,
  responseBody: body,
});

/** The claim as the middleware sends it: the key's bounded advisory lock, then its row, in one write. */
export const claim = (tx: Tx, ref: KeyRef) => Promise.all([lockKey(tx, ref, LOCK_TIMEOUT_MS), findKey(tx, ref, null)]);

/** The key row with its answer, as the middleware writes it with COMMIT. */
export const storeAnswer = (tx: Tx, ref: KeyRef, requestPath: string, body: string) =>
  insertAnswer(tx, answer(ref, requestPath, body));

/** The claim's two statements with the values as parameters, as SQL text. */
const CLAIM_TEXT = [
  `SELECT 1 FROM (
      WITH prior AS MATERIALIZED (SELECT current_setting('lock_timeout') AS lock_timeout),
      bounded AS MATERIALIZED (SELECT set_config('lock_timeout', $1, true) FROM prior),
      waited AS MATERIALIZED (SELECT pg_advisory_xact_lock(hashtextextended($2, ${LOCK_SEED})) FROM bounded),
      reset AS MATERIALIZED (SELECT set_config('lock_timeout', prior.lock_timeout, true) FROM prior, waited)
      SELECT 1 AS locked FROM reset) AS claim`,
  `SELECT k.request_path, k.fingerprint, k.status, k.response_status, k.response_body,
          k.expires_at <= now() AS expired, coalesce(k.locked_until > now(), false) AS leased
   FROM oncely_idempotency_keys AS k WHERE k.principal_id = $1 AND k.key = $2`,
] as const;

/** Each claim statement's values. */
const claimValues = (ref: KeyRef) =>
  [
    [`${LOCK_TIMEOUT_MS}ms`, lockName(ref)],
    [ref.principalId, ref.key],
  ] as const;

/**
 * The claim at the driver, both statements in one write: `prepare` true as the engine sends
 * them; false as drizzle's `execute(sql)` would, so postgres.js has PostgreSQL describe each
 * statement first (a round trip of its own) and parse it every time.
 */
export const claimAtDriver = (sql: postgres.TransactionSql, ref: KeyRef, prepare = true) =>
  Promise.all(claimValues(ref).map((values, i) => sql.unsafe(CLAIM_TEXT[i] ?? "", [...values], { prepare }).execute()));

/** The claim with its values written into the text (no parameters: no describe, parsed every time). */
export const claimLiteralAtDriver = (sql: postgres.TransactionSql, ref: KeyRef) =>
  Promise.all(
    claimValues(ref).map((values, i) => {
      const text = (CLAIM_TEXT[i] ?? "").replace(/\$(\d)/g, (_, n) => literal(values[Number(n) - 1] ?? ""));
      return sql.unsafe(text, [], { prepare: false }).execute();
    }),
  );

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
