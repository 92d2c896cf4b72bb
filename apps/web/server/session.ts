import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { DEMO_PRINCIPALS } from "@oncely/db";

// The session cookie: a claim signed with HMAC-SHA256 under ONCELY_SESSION_SECRET.
//
//   oncely_session = base64url(JSON claim) "." base64url(HMAC(secret, "oncely-session.v1." + claim))
//
// A claim is either a demo principal's name (demo mode only) or the id of a session kept in
// this process's memory, made by signing in with an API key (the key never leaves the
// server). The cookie alone grants nothing: it must be signed by this server's secret, not
// expired, and (for an API-key session) still known to the server.

export type DemoPrincipal = (typeof DEMO_PRINCIPALS)[number];

export const SESSION_COOKIE = "oncely_session";
/** Who a browser without a session acts as, in demo mode only. */
export const DEFAULT_DEMO_PRINCIPAL = "alice";
export const DEMO_NAMES = DEMO_PRINCIPALS.map((p) => p.name);

/** How long a cookie is honoured: a week for the demo, a working day for an API-key sign-in. */
export const DEMO_SESSION_SECONDS = 7 * 24 * 60 * 60;
export const KEY_SESSION_SECONDS = 12 * 60 * 60;

const CONTEXT = "oncely-session.v1.";

export type SessionClaim = { kind: "demo"; name: string; exp: number } | { kind: "key"; sid: string; exp: number };

/** The cookie value for a claim. */
export function signSession(claim: SessionClaim, secret: string): string {
  const payload = Buffer.from(JSON.stringify(claim)).toString("base64url");
  return `${payload}.${mac(payload, secret)}`;
}

/**
 * The claim a cookie carries, if it is well formed, signed with `secret` and not expired;
 * otherwise null (a forged, tampered, expired or missing cookie are all "no session").
 */
export function verifySession(cookie: string | undefined, secret: string, now = Date.now()): SessionClaim | null {
  if (!cookie || cookie.length > 1_000) return null;
  const [payload, signature, extra] = cookie.split(".");
  if (!payload || !signature || extra !== undefined) return null;
  const expected = Buffer.from(mac(payload, secret), "base64url");
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let claim: unknown;
  try {
    claim = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return null;
  }
  if (!isClaim(claim) || claim.exp * 1000 <= now) return null;
  return claim;
}

function mac(payload: string, secret: string): string {
  return createHmac("sha256", secret).update(CONTEXT).update(payload).digest("base64url");
}

function isClaim(value: unknown): value is SessionClaim {
  if (value === null || typeof value !== "object") return false;
  const claim = value as Record<string, unknown>;
  if (typeof claim.exp !== "number") return false;
  if (claim.kind === "demo") return typeof claim.name === "string";
  return claim.kind === "key" && typeof claim.sid === "string";
}

/** Seconds since the epoch, `seconds` from now (a claim's `exp`). */
export function expiresIn(seconds: number, now = Date.now()): number {
  return Math.floor(now / 1000) + seconds;
}

/** A demo principal by name, if there is one. */
export function demoPrincipal(name: string): DemoPrincipal | undefined {
  return DEMO_PRINCIPALS.find((p) => p.name === name);
}

/** A new, unguessable session id (256 bits). */
export function newSessionId(): string {
  return randomBytes(32).toString("base64url");
}
