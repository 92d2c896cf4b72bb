import { getTableName, sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { type Executor, query } from "./database";
import { idempotencyKeys } from "./schema";
import { integerArray, literal, nowExpression, textArray } from "./sqlText";
import { storedResponseOf } from "./storedAnswer";

// Where a key is claimed and where an answer is stored, in atomic mode.
//
// The hot statements (tryClaimKey, lockKey, findKey, insertAnswer) are prepared statements built with
// drizzle's public query builder and `sql.placeholder`: postgres.js keeps each one prepared per
// connection, so after the first use a statement is one round trip and PostgreSQL skips parsing
// and planning it (measured: a primary-key read costs PostgreSQL ~55 µs prepared against ~115 µs
// as fresh text). Statements off the hot path carry their values as literals (sqlText.ts).
// Times come from the database clock unless a test clock is given (`now`).

export { literal } from "./sqlText";

/** The key table's name, from its Drizzle definition (one source of truth). */
export const KEY_TABLE = `"${getTableName(idempotencyKeys)}"`;

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

/** `principal_id = … AND key = …` for one key, as literals (for the statements off the hot path). */
export const whereKey = (ref: KeyRef, alias = ""): string =>
  `${alias}principal_id = ${literal(ref.principalId)} AND ${alias}key = ${literal(ref.key)}`;

/** The completed answer in a row, if it is one that replays (not expired). */
export const completedAnswer = (row: KeyRow | null): StoredResponse | null =>
  row && !row.expired ? storedResponseOf(row) : null;

// The query builder of any drizzle PostgreSQL database or transaction (the app's own copy).
type Builder = PgDatabase<PgQueryResultHKT, Record<string, never>>;
const builder = (executor: Executor) => executor as unknown as Builder;

const placeholder = (name: string) => sql.placeholder(name);
const NOW = sql`coalesce(${placeholder("now")}::timestamptz, now())`;

// Any constant: it keeps our lock ids apart from hashes an app takes locks on itself.
export const LOCK_SEED = "122519904676985"; // "oncely" in ASCII, as a number
/** The key's advisory lock id: a 64-bit hash of `lockName`. */
const LOCK_ID = sql`hashtextextended(${placeholder("lockName")}, ${sql.raw(LOCK_SEED)})`;

/**
 * Waits for the key's advisory lock, held until the transaction ends: every atomic claim of
 * one (principal, key) takes it (tryClaimKey when it is free, this when someone holds it), so
 * duplicates queue here, not in the handler. The wait is
 * bounded by lock_timeout, and only this wait: the statement sets the bound, takes the lock,
 * and puts the transaction's own lock_timeout back (each CTE reads the one before it, which
 * fixes their order), so the handler's own lock waits keep the app's setting. Past the bound
 * PostgreSQL raises lock_not_available (55P03), which the middleware answers with 409.
 */
export async function lockKey(tx: Executor, ref: KeyRef, lockTimeoutMs: number): Promise<void> {
  await builder(tx)
    .select({ locked: sql<number>`claim.locked` })
    .from(BOUNDED_LOCK)
    .prepare("oncely_lock_key")
    .execute({ lockTimeout: `${Math.trunc(lockTimeoutMs)}ms`, lockName: lockName(ref) });
}

const BOUNDED_LOCK = sql`(
  WITH prior AS MATERIALIZED (SELECT current_setting('lock_timeout') AS lock_timeout),
  bounded AS MATERIALIZED (SELECT set_config('lock_timeout', ${placeholder("lockTimeout")}, true) FROM prior),
  waited AS MATERIALIZED (SELECT pg_advisory_xact_lock(${LOCK_ID}) FROM bounded),
  reset AS MATERIALIZED (SELECT set_config('lock_timeout', prior.lock_timeout, true) FROM prior, waited)
  SELECT 1 AS locked FROM reset) AS claim`;

/** The text the key's advisory lock id is hashed from. Two keys sharing a hash only wait on each other. */
export const lockName = (ref: KeyRef): string => `${ref.principalId}\n${ref.key}`;

// The key row's fields as the engine reads them.
const KEY_ROW_FIELDS = {
  requestPath: sql<string>`k.request_path`,
  fingerprint: sql<string>`k.fingerprint`,
  status: sql<KeyRow["status"]>`k.status`,
  responseStatus: sql<number | null>`k.response_status`,
  responseBody: sql<string | null>`k.response_body`,
  expired: sql<boolean>`k.expires_at <= ${NOW}`,
  leased: sql<boolean>`coalesce(k.locked_until > ${NOW}, false)`,
};
const KEY_IS = sql`k.principal_id = ${placeholder("principalId")} AND k.key = ${placeholder("key")}`;
const TAKE_LOCK_IF_FREE = sql`pg_try_advisory_xact_lock(${LOCK_ID})`;

/**
 * The key's row as this transaction (or the database) sees it now, or null. After lockKey's
 * wait it runs as its own statement, so its snapshot is taken after the wait: it sees the
 * answer the previous holder committed.
 */
export async function findKey(executor: Executor, ref: KeyRef, now: SqlNow): Promise<KeyRow | null> {
  const [row] = await keyReadOn(executor).execute({ principalId: ref.principalId, key: ref.key, now });
  return row ?? null;
}

// drizzle builds a prepared query for the database or transaction it is made on, and building
// costs more than running it: the read is built once per executor. The app's database lives as
// long as the app, so replays (read outside any transaction) never build it again.
const keyReads = new WeakMap<Executor, ReturnType<typeof buildKeyRead>>();
const buildKeyRead = (executor: Executor) =>
  builder(executor).select(KEY_ROW_FIELDS).from(sql`${idempotencyKeys} AS k`).where(KEY_IS).prepare("oncely_find_key");
function keyReadOn(executor: Executor) {
  let read = keyReads.get(executor);
  if (!read) {
    read = buildKeyRead(executor);
    keyReads.set(executor, read);
  }
  return read;
}

export interface ClaimAttempt {
  /** Whether this transaction now holds the key's lock. */
  locked: boolean;
  /** The key's row, when `locked`; unread otherwise. */
  row: KeyRow | null;
}

/**
 * The claim of a key nobody holds, in one statement: the key's advisory lock if it is free,
 * and the key's row. The row is read with the statement's snapshot, taken just before the lock:
 * should the lock's previous holder commit in between, the read misses its answer, and the
 * answer's row is then in the way of ours at COMMIT (a unique violation rolls this
 * transaction back and the request replays that row instead). So never two effects, and the
 * usual case is one statement. When someone holds the key (`locked` false), wait with lockKey.
 */
export async function tryClaimKey(tx: Executor, ref: KeyRef, now: SqlNow): Promise<ClaimAttempt> {
  const [attempt] = await builder(tx)
    .select({ locked: sql<boolean>`claim.locked`, present: sql<boolean>`k.key IS NOT NULL`, ...KEY_ROW_FIELDS })
    .from(sql`(SELECT ${TAKE_LOCK_IF_FREE} AS locked) AS claim LEFT JOIN ${idempotencyKeys} AS k ON ${KEY_IS}`)
    .prepare("oncely_try_claim_key")
    .execute({ lockName: lockName(ref), principalId: ref.principalId, key: ref.key, now });
  if (!attempt?.locked) return { locked: false, row: null };
  const { locked, present, ...row } = attempt;
  return { locked, row: present ? row : null };
}

/** The fast path: the completed, unexpired answer under a key, by one read outside any transaction. */
export async function findCompletedKey(db: Executor, ref: KeyRef, now: SqlNow): Promise<StoredResponse | null> {
  return completedAnswer(await findKey(db, ref, now));
}

export interface Answer extends KeyRef {
  requestPath: string;
  fingerprint: string;
  ttlSeconds: number;
  now: SqlNow;
  /** HTTP status: 200 for data, 4xx for a stored business error. */
  responseStatus: number;
  responseBody: string;
}

/**
 * The key row, written once, with its answer, in the transaction whose outcome it records.
 * A plain INSERT: should a row for the key exist by now (written without our lock, e.g. by a
 * phased claim), it fails with a unique violation, PostgreSQL turns the COMMIT into a
 * ROLLBACK, and the caller answers with that row instead. Returns the dispatched statement so
 * it can share COMMIT's round trip.
 */
export function insertAnswer(tx: Executor, answer: Answer): Promise<unknown> {
  return builder(tx)
    .insert(idempotencyKeys)
    .values(ANSWER_ROW)
    .prepare("oncely_insert_answer")
    .execute({ ...answer, ttlSeconds: Math.trunc(answer.ttlSeconds) });
}

// The answer's row, all placeholders: built once, filled per request.
const ANSWER_ROW = {
  principalId: placeholder("principalId"),
  key: placeholder("key"),
  requestPath: placeholder("requestPath"),
  fingerprint: placeholder("fingerprint"),
  status: "completed",
  responseStatus: placeholder("responseStatus"),
  responseBody: placeholder("responseBody"),
  createdAt: NOW,
  expiresAt: sql`${NOW} + make_interval(secs => ${placeholder("ttlSeconds")})`,
} as unknown as typeof idempotencyKeys.$inferInsert;

/** An expired key counts as new: its row goes, under the key's lock, before the new answer is written. */
export async function deleteExpiredKey(tx: Executor, ref: KeyRef, now: SqlNow): Promise<void> {
  await query(tx, `DELETE FROM ${KEY_TABLE} WHERE ${whereKey(ref)} AND expires_at <= ${nowExpression(now)}`);
}

/** Adds replays to keys' counters: one statement for a batch of keys. */
export async function addReplays(db: Executor, counts: { principalId: string; key: string; replays: number }[]) {
  if (counts.length === 0) return;
  await query(
    db,
    `UPDATE ${KEY_TABLE} AS k
     SET replay_count = k.replay_count + r.replays, last_replayed_at = now()
     FROM unnest(${textArray(counts.map((c) => c.principalId))}, ${textArray(counts.map((c) => c.key))},
                 ${integerArray(counts.map((c) => c.replays))}) AS r(principal_id, key, replays)
     WHERE k.principal_id = r.principal_id AND k.key = r.key`,
  );
}
