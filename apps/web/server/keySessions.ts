import { eq, hashApiKey, schema } from "@oncely/db";
import { getDb } from "./db";
import { expiresIn, KEY_SESSION_SECONDS, newSessionId } from "./session";

// Sessions made by signing in with an API key (outside demo mode, or by choice in it). The key
// stays here, in the web process's memory, under an unguessable id; the browser only holds
// the signed id. A restart of the process signs everyone out.

interface KeySession {
  apiKey: string;
  principal: string;
  /** Seconds since the epoch. */
  exp: number;
}

const MAX_SESSIONS = 10_000;
// One map per process, also when Next gives route handlers and pages their own module copies.
const processWide = globalThis as { __oncelyKeySessions?: Map<string, KeySession> };
processWide.__oncelyKeySessions ??= new Map();
const sessions = processWide.__oncelyKeySessions;

/** The principal's name for an API key, or null when no principal has that key. */
export async function principalForApiKey(apiKey: string): Promise<string | null> {
  if (!/^\S{1,200}$/.test(apiKey)) return null;
  const [row] = await getDb()
    .select({ name: schema.principals.name })
    .from(schema.principals)
    .where(eq(schema.principals.apiKeyHash, hashApiKey(apiKey)));
  return row?.name ?? null;
}

/** Keeps `apiKey` server-side under a new session id; returns the id and when it expires. */
export function openKeySession(apiKey: string, principal: string): { sid: string; exp: number } {
  const now = Date.now();
  if (sessions.size >= MAX_SESSIONS) {
    for (const [sid, session] of sessions) if (session.exp * 1000 <= now) sessions.delete(sid);
    if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value ?? "");
  }
  const sid = newSessionId();
  const exp = expiresIn(KEY_SESSION_SECONDS, now);
  sessions.set(sid, { apiKey, principal, exp });
  return { sid, exp };
}

/** The live session with this id, if any. */
export function keySession(sid: string, now = Date.now()): KeySession | undefined {
  const session = sessions.get(sid);
  if (session && session.exp * 1000 <= now) {
    sessions.delete(sid);
    return undefined;
  }
  return session;
}

export function closeKeySession(sid: string): void {
  sessions.delete(sid);
}
