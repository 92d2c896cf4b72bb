import { type NextRequest, NextResponse } from "next/server";
import { env } from "../../server/env";
import { closeKeySession, openKeySession, principalForApiKey } from "../../server/keySessions";
import { isCrossSite, isHttps } from "../../server/requestOrigin";
import {
  DEMO_NAMES,
  DEMO_SESSION_SECONDS,
  expiresIn,
  KEY_SESSION_SECONDS,
  SESSION_COOKIE,
  type SessionClaim,
  signSession,
  verifySession,
} from "../../server/session";

/**
 * Sign-in, the demo's principal switch and sign-out, as plain form posts (they work without
 * JavaScript). Each answers with a redirect, so the next page is rendered from scratch for
 * the principal now acting: nothing of the previous one stays on screen.
 *
 * - `action=sign-in&apiKey=…`: the key is checked against the principals and kept on the
 *   server; the browser gets a signed session id.
 * - `action=switch&principal=bob`: demo mode only.
 * - `action=sign-out`.
 */
export async function POST(req: NextRequest): Promise<Response> {
  if (isCrossSite(req)) return refuse(403, "Cross-site requests cannot change the session");
  let form: FormData;
  try {
    form = await req.formData();
  } catch {
    return refuse(400, "Send the form as application/x-www-form-urlencoded or multipart/form-data");
  }
  const { demo, sessionSecret } = env();
  const action = form.get("action");
  const back = sectionOf(req);

  if (action === "switch") {
    if (!demo) return refuse(404, "Switching principals exists only in demo mode; sign in with an API key");
    const name = form.get("principal");
    if (typeof name !== "string" || !DEMO_NAMES.includes(name)) {
      return refuse(400, `Unknown demo principal; pick one of ${DEMO_NAMES.join(", ")}`);
    }
    return withSession(req, back, { kind: "demo", name, exp: expiresIn(DEMO_SESSION_SECONDS) }, sessionSecret);
  }

  if (action === "sign-in") {
    const apiKey = String(form.get("apiKey") ?? "").trim();
    const principal = apiKey ? await principalForApiKey(apiKey) : null;
    if (!principal) return redirect("/sign-in?error=unknown-key");
    const { sid } = openKeySession(apiKey, principal);
    return withSession(req, "/", { kind: "key", sid, exp: expiresIn(KEY_SESSION_SECONDS) }, sessionSecret);
  }

  if (action === "sign-out") {
    const claim = verifySession(req.cookies.get(SESSION_COOKIE)?.value, sessionSecret);
    if (claim?.kind === "key") closeKeySession(claim.sid);
    const response = redirect(demo ? "/" : "/sign-in");
    response.cookies.set(SESSION_COOKIE, "", { ...cookieOptions(req), maxAge: 0 });
    return response;
  }

  return refuse(400, "action must be sign-in, switch or sign-out");
}

function withSession(req: Request, to: string, claim: SessionClaim, secret: string): NextResponse {
  const response = redirect(to);
  response.cookies.set(SESSION_COOKIE, signSession(claim, secret), {
    ...cookieOptions(req),
    maxAge: claim.exp - Math.floor(Date.now() / 1000),
  });
  return response;
}

function cookieOptions(req: Request) {
  return { httpOnly: true, sameSite: "lax" as const, path: "/", secure: isHttps(req) };
}

/** 303 to a path on this site (a relative Location: the browser resolves it). */
function redirect(path: string): NextResponse {
  return new NextResponse(null, { status: 303, headers: { location: path, "cache-control": "no-store" } });
}

function refuse(status: number, message: string): Response {
  return new Response(message, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

const SECTIONS = ["/orders", "/transfers", "/ledger", "/keys"];

/**
 * Where to go after switching: the section the person was in (its detail pages belong to the
 * previous principal), from a same-site Referer; else the dashboard.
 */
function sectionOf(req: Request): string {
  try {
    const referer = new URL(req.headers.get("referer") ?? "");
    if (referer.host !== (req.headers.get("x-forwarded-host") ?? req.headers.get("host"))) return "/";
    return SECTIONS.find((section) => referer.pathname.startsWith(section)) ?? "/";
  } catch {
    return "/";
  }
}
