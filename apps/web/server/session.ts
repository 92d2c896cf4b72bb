import { DEMO_PRINCIPALS } from "@oncely/db";

export type DemoPrincipal = (typeof DEMO_PRINCIPALS)[number];

/** httpOnly cookie holding the demo principal's name ("alice" or "bob"). */
export const SESSION_COOKIE = "oncely_session";
/** Who you are without a session cookie (this is a demo: there is no password). */
export const DEFAULT_PRINCIPAL = "alice";

export const SESSION_NAMES = DEMO_PRINCIPALS.map((p) => p.name);

/**
 * The demo principal a session cookie stands for. A missing or unknown cookie means the
 * default principal. The principal's secret API key stays on the server.
 */
export function principalForSession(cookieValue: string | undefined): DemoPrincipal {
  const principal =
    DEMO_PRINCIPALS.find((p) => p.name === cookieValue) ?? DEMO_PRINCIPALS.find((p) => p.name === DEFAULT_PRINCIPAL);
  if (!principal) throw new Error(`The demo principal "${DEFAULT_PRINCIPAL}" is missing from DEMO_PRINCIPALS`);
  return principal;
}

/** The `Authorization` header value the API expects for a principal. */
export function authorizationFor(principal: DemoPrincipal): string {
  return `Bearer ${principal.apiKey}`;
}
