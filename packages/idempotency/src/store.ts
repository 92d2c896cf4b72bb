import { and, type Database, eq, type Queryable, schema, sql, type Transaction } from "@oncely/db";

const { idempotencyKeys } = schema;

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

const storedColumns = {
  requestPath: idempotencyKeys.requestPath,
  fingerprint: idempotencyKeys.fingerprint,
  responseStatus: idempotencyKeys.responseStatus,
  responseBody: idempotencyKeys.responseBody,
};

/**
 * The completed, unexpired answer stored under a key, or null. One primary-key read; the
 * fast path runs it outside any transaction.
 */
export async function findStoredResponse(db: Queryable, ref: KeyRef): Promise<StoredResponse | null> {
  const [row] = await db
    .select(storedColumns)
    .from(idempotencyKeys)
    .where(
      and(
        eq(idempotencyKeys.principalId, ref.principalId),
        eq(idempotencyKeys.key, ref.key),
        sql`${idempotencyKeys.expiresAt} > now()`,
      ),
    );
  if (!row || row.responseStatus === null || row.responseBody === null) return null;
  return { ...row, responseStatus: row.responseStatus, responseBody: row.responseBody };
}

/**
 * Claims a key inside the business transaction: inserts it, or takes over an expired row.
 * Returns false when a live row exists. If another transaction holds the key uncommitted,
 * the INSERT waits on PostgreSQL's own lock for it (bounded by lock_timeout) and then sees
 * its outcome: committed (false: replay it) or rolled back (true: we run).
 */
export async function claimKey(
  tx: Transaction,
  ref: KeyRef & { requestPath: string; fingerprint: string; ttlSeconds: number },
): Promise<boolean> {
  const expiresAt = sql`now() + make_interval(secs => ${ref.ttlSeconds})`;
  const claimed = await tx
    .insert(idempotencyKeys)
    .values({
      principalId: ref.principalId,
      key: ref.key,
      requestPath: ref.requestPath,
      fingerprint: ref.fingerprint,
      status: "completed",
      expiresAt,
    })
    .onConflictDoUpdate({
      target: [idempotencyKeys.principalId, idempotencyKeys.key],
      set: {
        requestPath: ref.requestPath,
        fingerprint: ref.fingerprint,
        status: "completed",
        responseStatus: null,
        responseBody: null,
        createdAt: sql`now()`,
        expiresAt,
        replayCount: 0,
        lastReplayedAt: null,
      },
      setWhere: sql`${idempotencyKeys.expiresAt} <= now()`,
    })
    .returning({ key: idempotencyKeys.key });
  return claimed.length > 0;
}

/** Writes the answer onto the claimed row, in the same transaction as the business writes. */
export async function storeResponse(
  tx: Transaction,
  ref: KeyRef & { responseStatus: number; responseBody: string },
): Promise<void> {
  await tx
    .update(idempotencyKeys)
    .set({ responseStatus: ref.responseStatus, responseBody: ref.responseBody })
    .where(and(eq(idempotencyKeys.principalId, ref.principalId), eq(idempotencyKeys.key, ref.key)));
}

/** Counts a replay. Not awaited by the replay itself: bookkeeping must not slow answers. */
export async function recordReplay(db: Database, ref: KeyRef): Promise<void> {
  await db
    .update(idempotencyKeys)
    .set({ replayCount: sql`${idempotencyKeys.replayCount} + 1`, lastReplayedAt: sql`now()` })
    .where(and(eq(idempotencyKeys.principalId, ref.principalId), eq(idempotencyKeys.key, ref.key)));
}
