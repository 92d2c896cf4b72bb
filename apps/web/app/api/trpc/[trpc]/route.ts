import { CHAOS_HEADER, createFetchHandler } from "@oncely/api";
import type { NextRequest } from "next/server";
import { getDb } from "../../../../server/db";
import { isDemoMode } from "../../../../server/demo";
import { authorizationFor, principalForSession, SESSION_COOKIE } from "../../../../server/session";

const ENDPOINT = "/api/trpc";

let handler: ((req: Request) => Promise<Response>) | undefined;

function apiHandler() {
  handler ??= createFetchHandler({
    db: getDb(),
    endpoint: ENDPOINT,
    onError: ({ path, code, error }) => {
      if (code === "INTERNAL_SERVER_ERROR") console.error(`tRPC ${path ?? "<unknown>"} failed`, error);
    },
  });
  return handler;
}

/**
 * Serves the AppRouter for the browser. The browser holds only the session cookie; this
 * handler turns it into the principal's `Authorization: Bearer <api key>` on a copy of the
 * request. Everything else (Idempotency-Key, body) passes through, and the API's response
 * (with Idempotent-Replayed, Retry-After) goes back unchanged.
 *
 * A request that already carries `Authorization` (a script using an API key) is passed on
 * as it is: the API checks that key, and the cookie plays no part.
 */
async function handle(req: NextRequest): Promise<Response> {
  const headers = new Headers(req.headers);
  if (!headers.has("authorization")) {
    if (isCrossSite(req)) {
      return Response.json(
        { error: { message: "Cross-site requests cannot act with this session" } },
        { status: 403, headers: { "cache-control": "no-store" } },
      );
    }
    const principal = principalForSession(req.cookies.get(SESSION_COOKIE)?.value);
    headers.set("authorization", authorizationFor(principal));
  }
  // The API has no use for the browser's cookies.
  headers.delete("cookie");
  const response = await apiHandler()(new Request(req, { headers }));
  if (isDemoMode() && response.headers.get(CHAOS_HEADER) === "response-dropped") {
    return droppedConnection(req, response);
  }
  return response;
}

/**
 * The chaos panel's "drop the answer after commit": the API committed and answered, and the
 * browser must see no answer at all, as when a connection breaks on the way back. A body that
 * fails before its first byte makes Next destroy the socket before sending any header; the
 * failure is named AbortError, which Next treats as a client gone away and does not log.
 */
async function droppedConnection(req: NextRequest, answer: Response): Promise<Response> {
  await answer.body?.cancel();
  console.info(`chaos: dropped the answer to ${new URL(req.url).pathname} after the commit`);
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.error(new DOMException("chaos: answer dropped after commit", "AbortError"));
    },
  });
  return new Response(body, { status: 200, headers: { "content-type": "application/json" } });
}

/**
 * Cookie-authenticated calls must come from this site's own pages (CSRF): browsers send
 * `Sec-Fetch-Site` and, on POST, `Origin`. Non-browser clients send neither and pass.
 */
function isCrossSite(req: NextRequest): boolean {
  const fetchSite = req.headers.get("sec-fetch-site");
  if (fetchSite === "cross-site" || fetchSite === "same-site") return true;
  const origin = req.headers.get("origin");
  if (!origin || origin === "null") return origin === "null";
  const host = req.headers.get("x-forwarded-host") ?? req.headers.get("host");
  try {
    return new URL(origin).host !== host;
  } catch {
    return true;
  }
}

export { handle as GET, handle as POST };
