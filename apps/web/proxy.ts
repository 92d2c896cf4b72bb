import { type NextRequest, NextResponse } from "next/server";
import { sessionFor } from "./server/principal";
import { SESSION_COOKIE } from "./server/session";

/**
 * Pages need a session: without one (outside demo mode: no API-key sign-in, or a forged,
 * tampered or expired cookie) the browser is sent to the sign-in form before anything renders.
 * The API answers 401 itself (route handler); the sign-in form and /session are open.
 */
export function proxy(req: NextRequest): NextResponse {
  if (sessionFor(req.cookies.get(SESSION_COOKIE)?.value)) return NextResponse.next();
  return NextResponse.redirect(new URL("/sign-in", req.url));
}

export const config = {
  matcher: ["/((?!api/|_next/|session$|sign-in$|icon.svg$|favicon.ico$).*)"],
};
