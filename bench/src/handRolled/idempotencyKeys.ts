// The baseline: the idempotency middleware a team writes by hand when it does not adopt Oncely.
// One transaction: claim the key (INSERT ... ON CONFLICT DO NOTHING), run the handler in the
// same transaction, store its answer on the key row (UPDATE), COMMIT. A key that was already
// there is answered from its row: the stored answer, or 409 while it has none yet (with
// READ COMMITTED the INSERT waits for a concurrent first request to finish, so that is rare).
// No fingerprint, no expiry, no stored business errors: the least that still never runs a
// mutation twice.
import { TRPCError } from "@trpc/server";
import type postgres from "postgres";

/** The team's migration for its key table. */
export const KEY_TABLE = `
  CREATE TABLE IF NOT EXISTS hand_rolled_idempotency_keys (
    principal_id uuid NOT NULL,
    key text NOT NULL,
    path text NOT NULL,
    response text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (principal_id, key)
  )`;

type Result = { ok: true; data: unknown } | { ok: false; error: TRPCError };

/** The middleware's body: `run` calls tRPC's `next()` with the transaction in the context. */
export async function withIdempotencyKey<R extends Result>(options: {
  sql: postgres.Sql;
  principalId: string;
  key: unknown;
  path: string;
  run: (tx: postgres.TransactionSql) => Promise<R>;
}): Promise<R> {
  const { sql, principalId, key, path, run } = options;
  if (typeof key !== "string" || key.length === 0 || key.length > 255) {
    throw new TRPCError({ code: "BAD_REQUEST", message: "Send an Idempotency-Key header (1 to 255 characters)" });
  }
  const outcome = await sql.begin(async (tx) => {
    const claimed = await tx`
      INSERT INTO hand_rolled_idempotency_keys (principal_id, key, path) VALUES (${principalId}, ${key}, ${path})
      ON CONFLICT DO NOTHING RETURNING 1`;
    if (claimed.length === 0) {
      const [row] = await tx<{ response: string | null }[]>`
        SELECT response FROM hand_rolled_idempotency_keys WHERE principal_id = ${principalId} AND key = ${key}`;
      return { replay: row?.response ?? null };
    }
    const result = await run(tx);
    if (!result.ok) throw result.error; // rolls everything back: the key is free for the retry
    await tx`
      UPDATE hand_rolled_idempotency_keys SET response = ${JSON.stringify(result.data)}
      WHERE principal_id = ${principalId} AND key = ${key}`;
    return { result };
  });
  if ("result" in outcome) return outcome.result as R;
  if (outcome.replay === null) throw new TRPCError({ code: "CONFLICT", message: "Still in progress; retry later" });
  return { ok: true, data: JSON.parse(outcome.replay), marker: "middlewareMarker" } as unknown as R;
}
