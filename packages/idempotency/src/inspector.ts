import { type Executor, query } from "./database";
import { IdempotencyError } from "./errors";
import { isStorableKey } from "./key";
import { integerLiteral, literal } from "./sqlText";
import { KEY_TABLE, whereKey } from "./store";

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

const SUMMARY = `key, request_path AS path, status, to_json(created_at) #>> '{}' AS "createdAt",
  to_json(expires_at) #>> '{}' AS "expiresAt", replay_count AS replays,
  to_json(last_replayed_at) #>> '{}' AS "lastReplayedAt", response_status AS "responseStatus"`;

/** Most keys one page may hold. */
export const MAX_PAGE_SIZE = 100;

/**
 * The principal's keys, newest first, `limit` (1..100) at a time; pass `nextCursor` back as
 * `cursor`. A cursor that is not one this function made is a 400 (`idempotency_cursor_invalid`).
 */
export async function listKeys(
  db: Executor,
  principalId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ items: KeySummary[]; nextCursor: string | null }> {
  if (!Number.isSafeInteger(page.limit) || page.limit < 1 || page.limit > MAX_PAGE_SIZE) {
    throw new IdempotencyError("idempotency_cursor_invalid", `limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  const after = page.cursor === undefined ? null : decodeCursor(page.cursor);
  const rows = await query<KeySummary>(
    db,
    `SELECT ${SUMMARY} FROM ${KEY_TABLE}
     WHERE principal_id = ${literal(principalId)}
       ${after ? `AND (created_at, key) < (${literal(after.createdAt)}::timestamptz, ${literal(after.key)})` : ""}
     ORDER BY created_at DESC, key DESC
     LIMIT ${integerLiteral(page.limit + 1)}`,
  );
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > page.limit && last ? encodeCursor(last) : null };
}

/**
 * One of the principal's keys, or null (also for another principal's key, and for a string
 * that no Idempotency-Key header could have stored: no leaks, no errors).
 */
export async function getKey(db: Executor, principalId: string, key: string): Promise<KeyDetail | null> {
  if (!isStorableKey(key)) return null;
  const [row] = await query<KeyDetail>(
    db,
    `SELECT ${SUMMARY}, response_body AS "responseBody", recovery_point AS "recoveryPoint"
     FROM ${KEY_TABLE} WHERE ${whereKey({ principalId, key })}`,
  );
  return row ?? null;
}

function encodeCursor(row: KeySummary): string {
  return Buffer.from(JSON.stringify([row.createdAt, row.key])).toString("base64url");
}

// What PostgreSQL's to_json(timestamptz) writes: 2026-11-29T16:21:19.123456+00:00.
const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/;

/** The position a cursor names; anything this module did not encode is refused. */
function decodeCursor(cursor: string): { createdAt: string; key: string } {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    decoded = null;
  }
  if (Array.isArray(decoded) && decoded.length === 2) {
    const [createdAt, key] = decoded as unknown[];
    if (
      typeof createdAt === "string" &&
      CURSOR_TIME.test(createdAt) &&
      !Number.isNaN(Date.parse(createdAt)) &&
      typeof key === "string" &&
      isStorableKey(key)
    ) {
      return { createdAt, key };
    }
  }
  throw new IdempotencyError("idempotency_cursor_invalid", "cursor must be the nextCursor of a previous page");
}
