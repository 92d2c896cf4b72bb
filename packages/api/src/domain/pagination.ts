import { and, type Database, eq, type lt, type SQL, type schema, sql } from "@oncely/db";
import { z } from "zod";
import { idSchema } from "./fields";

/**
 * Keyset pagination shared by every `*.list`: newest first, ordered by (created_at, id), and
 * the cursor is the id of the last item of the previous page. Unlike OFFSET it neither skips
 * nor repeats rows when new ones arrive between pages.
 */

export const pageLimitSchema = z.number().int().min(1).max(100).default(20);
export const cursorSchema = idSchema("cursor must be the nextCursor of a previous page").optional();

/** `{ limit = 20 (1..100), cursor? }`, the whole input optional. */
export const pageInput = z.strictObject({ limit: pageLimitSchema, cursor: cursorSchema }).default({ limit: 20 });

type Column = Parameters<typeof lt>[0];
type Table = Parameters<typeof sql>[1] & { createdAt: Column; id: Column };

/**
 * Rows strictly after the cursor row in newest-first order. The cursor row's `created_at` is
 * read in SQL: as a JavaScript Date it would lose its microseconds, and rows created within
 * the same millisecond as the cursor row would be skipped.
 */
export function olderThan(table: Table, cursor: { id: string }): SQL {
  return sql`(${table.createdAt}, ${table.id}) <
    (SELECT ${table.createdAt}, ${table.id} FROM ${table} WHERE ${table.id} = ${cursor.id})`;
}

/** The tables listed by cursor, each scoped to a principal. */
type PagedTable = typeof schema.orders | typeof schema.payments | typeof schema.refunds | typeof schema.transfers;

/**
 * The condition for the page after `cursor` (undefined for the first page). The cursor must
 * name a row of the principal's own: `unknownCursor` is thrown otherwise.
 */
export async function afterCursor(
  db: Database,
  table: PagedTable,
  page: { principalId: string; cursor: string | undefined },
  unknownCursor: () => Error,
): Promise<SQL | undefined> {
  const { principalId, cursor } = page;
  if (!cursor) return undefined;
  const [row] = await db
    .select({ id: table.id })
    .from(table)
    .where(and(eq(table.id, cursor), eq(table.principalId, principalId)));
  if (!row) throw unknownCursor();
  return olderThan(table, row);
}

/** Turns `limit + 1` fetched rows into a page: the extra row only says whether there is more. */
export function toPage<Row extends { id: string }, Item>(rows: Row[], limit: number, map: (row: Row) => Item) {
  const page = rows.slice(0, limit);
  return {
    items: page.map(map),
    nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
  };
}
