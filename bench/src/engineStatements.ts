// The middleware's statements, for the benches that measure them without the middleware
// (benchServer.ts's `statements*` procedures and driverStatements.ts), and the floor they are
// compared with. One place, so both benches send exactly the same SQL: the engine's own text
// (@oncely/idempotency/store), through drizzle or straight to postgres.js.

import { sql as drizzleSql } from "@oncely/db";
import { claimStatement, type KeyRef, storeResponseStatement } from "@oncely/idempotency/store";

const FINGERPRINT = "0".repeat(64);

/** Runs statement text: through a drizzle transaction, or a postgres.js one (unprepared, like drizzle's). */
export type StatementRunner = (text: string) => Promise<unknown>;

export const throughDrizzle =
  (tx: { execute: (query: ReturnType<typeof drizzleSql.raw>) => PromiseLike<unknown> }): StatementRunner =>
  (text) =>
    Promise.resolve(tx.execute(drizzleSql.raw(text)));

export const throughDriver =
  (tx: { unsafe: (text: string, args: [], options: { prepare: false }) => PromiseLike<unknown> }): StatementRunner =>
  (text) =>
    Promise.resolve(tx.unsafe(text, [], { prepare: false }));

/** The claim, with the middleware's defaults (24 h TTL, 5 s bounded wait). */
export const claim = (run: StatementRunner, ref: KeyRef, requestPath: string) =>
  run(
    claimStatement({
      ...ref,
      requestPath,
      fingerprint: FINGERPRINT,
      ttlSeconds: 86_400,
      lockTimeoutMs: 5_000,
      now: null,
    }),
  );

/** The savepoint business errors roll back to. */
export const savepoint = (run: StatementRunner) => run("SAVEPOINT oncely_handler");

/** The stored answer, onto the claimed row. */
export const storeAnswer = (run: StatementRunner, ref: KeyRef, body: string) =>
  run(storeResponseStatement({ ...ref, responseStatus: 200, responseBody: body }));

/**
 * The least a key store kept in the business transaction can write: the key row with its
 * answer, one INSERT. Not an engine: no lock for duplicates to wait on, no savepoint for
 * business errors. The benches price it to show the floor of any such design.
 */
export function insertKeyRowWithAnswer(run: StatementRunner, ref: KeyRef, requestPath: string, body: string) {
  const text = (value: string) => `E'${value.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`;
  return run(`
    INSERT INTO oncely_idempotency_keys (principal_id, key, request_path, fingerprint, status, created_at,
                                         expires_at, response_status, response_body)
    VALUES (${text(ref.principalId)}, ${text(ref.key)}, ${text(requestPath)}, ${text(FINGERPRINT)}, 'completed',
            now(), now() + interval '1 day', 200, ${text(body)})`);
}

/** Sends a statement to share COMMIT's round trip: not awaited; if it fails, so does COMMIT. */
export const withCommit = (query: Promise<unknown>) => void query.catch(() => {});
