import type { KeyRef } from "@oncely/idempotency/store";
import type postgres from "postgres";

/**
 * The least a key store kept in the business transaction can write: the key row with its
 * answer, one INSERT (sent with COMMIT by the callers). Not an engine: no lock for duplicates
 * to wait on, no savepoint for business errors. The benches price it to show the floor of any
 * such design.
 */
export function insertKeyRowWithAnswer(
  sql: postgres.TransactionSql,
  row: KeyRef & { requestPath: string; responseStatus: number; responseBody: string },
) {
  return sql`
    INSERT INTO idempotency_keys (principal_id, key, request_path, fingerprint, status, created_at, expires_at,
                                  response_status, response_body)
    VALUES (${row.principalId}, ${row.key}, ${row.requestPath}, ${"0".repeat(64)}, 'completed', now(),
            now() + interval '1 day', ${row.responseStatus}, ${row.responseBody})`.execute();
}
