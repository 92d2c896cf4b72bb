// The middleware's statements, for the benches that measure them without the middleware
// (benchServer.ts's `statements*` procedures and driverStatements.ts), and the floor they are
// compared with. One place, so both benches send exactly the same SQL.
import { claimKey, type KeyRef, storeResponse } from "@oncely/idempotency/store";
import type postgres from "postgres";

type Sql = postgres.TransactionSql;
const FINGERPRINT = "0".repeat(64);

/** The claim, with the middleware's defaults (24 h TTL, 5 s bounded wait). */
export const claim = (sql: Sql, ref: KeyRef, requestPath: string) =>
  claimKey(sql, { ...ref, requestPath, fingerprint: FINGERPRINT, ttlSeconds: 86_400, lockTimeoutMs: 5_000, now: null });

/** The savepoint business errors roll back to. */
export const savepoint = (sql: Sql) => sql.unsafe("SAVEPOINT oncely_handler").simple().execute();

/** The stored answer, onto the claimed row. */
export const storeAnswer = (sql: Sql, ref: KeyRef, body: string) =>
  storeResponse(sql, { ...ref, responseStatus: 200, responseBody: body });

/**
 * The least a key store kept in the business transaction can write: the key row with its
 * answer, one INSERT. Not an engine: no lock for duplicates to wait on, no savepoint for
 * business errors. The benches price it to show the floor of any such design.
 */
export function insertKeyRowWithAnswer(sql: Sql, ref: KeyRef, requestPath: string, body: string) {
  return sql`
    INSERT INTO idempotency_keys (principal_id, key, request_path, fingerprint, status, created_at, expires_at,
                                  response_status, response_body)
    VALUES (${ref.principalId}, ${ref.key}, ${requestPath}, ${FINGERPRINT}, 'completed', now(),
            now() + interval '1 day', 200, ${body})`.execute();
}

/** Sends a statement to share COMMIT's round trip: not awaited; if it fails, so does COMMIT. */
export const withCommit = (query: Promise<unknown>) => void query.catch(() => {});
