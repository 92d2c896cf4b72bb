import { deepStrictEqual } from "node:assert/strict";
import { getTableName } from "drizzle-orm";
import { type Executor, query } from "./database";
import { idempotencyKeys } from "./schema";

export interface AssertIdempotentOptions<T> {
  /** Sends the same logical request (same key, same input) once. */
  call: () => Promise<T>;
  /** How many repeats sequentially, and then how many at once. Default 5. */
  times?: number;
  /** The database state that must not change after the first call. */
  snapshot: () => Promise<unknown>;
}

/**
 * Calls a mutation once, then `times` more times one after another, then `times` at once,
 * and asserts that every answer equals the first AND that the database snapshot after the
 * first call never changes. Returns the first answer. Throws an AssertionError (with a diff)
 * otherwise. Compare what a client sees: e.g. `{ status, body }` of the HTTP response.
 */
export async function assertIdempotent<T>({ call, times = 5, snapshot }: AssertIdempotentOptions<T>): Promise<T> {
  const first = await call();
  const afterFirst = await snapshot();

  for (let i = 0; i < times; i++) {
    deepStrictEqual(await call(), first, `sequential repeat ${i + 1} answered differently from the first call`);
  }
  deepStrictEqual(await snapshot(), afterFirst, "the database changed after sequential repeats");

  const concurrent = await Promise.all(Array.from({ length: times }, () => call()));
  concurrent.forEach((answer, i) => {
    deepStrictEqual(answer, first, `concurrent repeat ${i + 1} answered differently from the first call`);
  });
  deepStrictEqual(await snapshot(), afterFirst, "the database changed after concurrent repeats");
  return first;
}

/** Columns that legitimately change on a replay: bookkeeping, not effects. */
const KEY_TABLE_NAME = getTableName(idempotencyKeys);
const REPLAY_BOOKKEEPING = new Set([`${KEY_TABLE_NAME}.replay_count`, `${KEY_TABLE_NAME}.last_replayed_at`]);

/**
 * Every row of every table in the public schema, in a stable order, minus replay
 * bookkeeping columns: a snapshot for `assertIdempotent`.
 */
export async function databaseSnapshot(
  db: Executor,
  options: { ignoreColumns?: string[] } = {},
): Promise<Record<string, unknown[]>> {
  const ignored = new Set([...REPLAY_BOOKKEEPING, ...(options.ignoreColumns ?? [])]);
  const columns = await query<{ table_name: string; column_name: string }>(
    db,
    `SELECT table_name, column_name FROM information_schema.columns
     WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
  );
  const byTable = new Map<string, string[]>();
  for (const { table_name, column_name } of columns) {
    if (ignored.has(`${table_name}.${column_name}`)) continue;
    byTable.set(table_name, [...(byTable.get(table_name) ?? []), column_name]);
  }
  const snapshot: Record<string, unknown[]> = {};
  for (const [table, cols] of byTable) {
    const selected = cols.map((c) => `${quote(c)}::text`).join(", ");
    // Cast to text and sort on it: a stable order without knowing each table's key.
    const order = cols.map((_, i) => i + 1).join(", ");
    snapshot[table] = [...(await query(db, `SELECT ${selected} FROM ${quote(table)} ORDER BY ${order}`))];
  }
  return snapshot;
}

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;
