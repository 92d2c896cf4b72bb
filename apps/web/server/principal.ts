import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { serverCaller } from "../trpc/server";
import { env } from "./env";
import { keySession } from "./keySessions";
import { DEFAULT_DEMO_PRINCIPAL, demoPrincipal, SESSION_COOKIE, verifySession } from "./session";

/** Who a request acts as, and how the API is told so. */
export interface ActingSession {
  /** The principal's name, shown as "Signed in as". */
  principal: string;
  /** `Bearer <api key>` for the API; never sent to the browser. */
  authorization: string;
  /** "demo": a demo principal picked with the switch; "key": signed in with an API key. */
  kind: "demo" | "key";
  /** The session id of an API-key session (to sign out). */
  sid?: string;
}

/**
 * The session a cookie value stands for, or null. Only a cookie signed with this server's
 * secret counts. In demo mode a browser without a valid session acts as alice and may pick a
 * demo principal; outside demo mode only an API-key sign-in acts, and demo claims count for
 * nothing.
 */
export function sessionFor(cookie: string | undefined): ActingSession | null {
  const { demo, sessionSecret } = env();
  const claim = verifySession(cookie, sessionSecret);
  if (claim?.kind === "key") {
    const session = keySession(claim.sid);
    if (session) {
      return { principal: session.principal, authorization: `Bearer ${session.apiKey}`, kind: "key", sid: claim.sid };
    }
  }
  if (!demo) return null;
  const name = claim?.kind === "demo" ? claim.name : DEFAULT_DEMO_PRINCIPAL;
  const principal = demoPrincipal(name) ?? demoPrincipal(DEFAULT_DEMO_PRINCIPAL);
  if (!principal) throw new Error(`The demo principal "${DEFAULT_DEMO_PRINCIPAL}" is missing from DEMO_PRINCIPALS`);
  return { principal: principal.name, authorization: `Bearer ${principal.apiKey}`, kind: "demo" };
}

/** The request's session, if it has one (for the top bar). */
export async function findSession(): Promise<ActingSession | null> {
  return sessionFor((await cookies()).get(SESSION_COOKIE)?.value);
}

/** The request's session and a server-side caller acting as it; without one, the sign-in page. */
export async function requireSession() {
  const session = await findSession();
  if (!session) redirect("/sign-in");
  return { session, principal: session.principal, caller: serverCaller(session.authorization) };
}
