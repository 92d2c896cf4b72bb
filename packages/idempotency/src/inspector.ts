import type { Sql } from "postgres";
import { IdempotencyError } from "./errors";

/** What a principal may see about one of its own keys (never the request body or another's keys). */
export interface KeySummary {
  key: string;
  path: string;
  status: "in_progress" | "completed";
  createdAt: string;
  expiresAt: string;
  replays: number;
  lastReplayedAt: string | null;
  /** HTTP status of the stored answer, null while in progress. */
  responseStatus: number | null;
}

export interface KeyDetail extends KeySummary {
  /** The stored answer's body as sent (data as JSON text, or the stored error). */
  responseBody: string | null;
  recoveryPoint: string | null;
}

const SUMMARY = (sql: Sql) => sql`
  key, request_path AS path, status, to_json(created_at) #>> '{}' AS "createdAt",
  to_json(expires_at) #>> '{}' AS "expiresAt", replay_count AS replays,
  to_json(last_replayed_at) #>> '{}' AS "lastReplayedAt", response_status AS "responseStatus"`;

/** The principal's keys, newest first, `limit` at a time; pass `nextCursor` back as `cursor`. */
export async function listKeys(
  sql: Sql,
  principalId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ items: KeySummary[]; nextCursor: string | null }> {
  const after = page.cursor ? decodeCursor(page.cursor) : null;
  if (page.cursor && !after) {
    throw new IdempotencyError("idempotency_cursor_invalid", "cursor must be the nextCursor of a previous page");
  }
  const rows = await sql<KeySummary[]>`
    SELECT ${SUMMARY(sql)} FROM idempotency_keys
    WHERE principal_id = ${principalId}
      ${after ? sql`AND (created_at, key) < (${after.createdAt}::timestamptz, ${after.key})` : sql``}
    ORDER BY created_at DESC, key DESC
    LIMIT ${page.limit + 1}`;
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > page.limit && last ? encodeCursor(last) : null };
}

/** One of the principal's keys, or null (also for another principal's key: no leaks). */
export async function getKey(sql: Sql, principalId: string, key: string): Promise<KeyDetail | null> {
  const [row] = await sql<KeyDetail[]>`
    SELECT ${SUMMARY(sql)}, response_body AS "responseBody", recovery_point AS "recoveryPoint"
    FROM idempotency_keys WHERE principal_id = ${principalId} AND key = ${key}`;
  return row ?? null;
}

function encodeCursor(row: KeySummary): string {
  return Buffer.from(JSON.stringify([row.createdAt, row.key])).toString("base64url");
}

function decodeCursor(cursor: string): { createdAt: string; key: string } | null {
  try {
    const [createdAt, key] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as [string, string];
    if (typeof createdAt !== "string" || typeof key !== "string") return null;
    return { createdAt, key };
  } catch {
    return null;
  }
}
