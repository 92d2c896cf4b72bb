import { CHAOS_HEADER, createFetchHandler, REQUEST_ID_HEADER } from "@oncely/api";
import { IDEMPOTENCY_KEY_HEADER } from "@oncely/sdk";
import type { NextRequest } from "next/server";
import { getDb } from "../../../../server/db";
import { recordDelivery } from "../../../../server/deliveries";
import { isDemoMode } from "../../../../server/demo";
import { sessionFor } from "../../../../server/principal";
import { isCrossSite } from "../../../../server/requestOrigin";
import { SESSION_COOKIE } from "../../../../server/session";

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
 * Serves the AppRouter for the browser. The browser holds only the signed session cookie;
 * this handler turns it into the principal's `Authorization: Bearer <api key>` on a copy of
 * the request. Everything else (Idempotency-Key, body) passes through, and the API's response
 * (with Idempotent-Replayed, Retry-After) goes back unchanged.
 *
 * A request that already carries `Authorization` (a script using an API key) is passed on
 * as it is: the API checks that key, and the cookie plays no part.
 */
async function handle(req: NextRequest): Promise<Response> {
  const headers = new Headers(req.headers);
  if (!headers.has("authorization")) {
    if (isCrossSite(req)) return refusal(403, "forbidden", "Cross-site requests cannot act with this session");
    const session = sessionFor(req.cookies.get(SESSION_COOKIE)?.value);
    if (!session)
      return refusal(401, "unauthenticated", "Sign in first: this session is missing, expired or not valid");
    headers.set("authorization", session.authorization);
    const key = req.headers.get(IDEMPOTENCY_KEY_HEADER);
    if (key && req.method === "POST") recordDelivery(session.principal, key, req.headers.get(REQUEST_ID_HEADER));
  }
  // The API has no use for the browser's cookies.
  headers.delete("cookie");
  const response = await apiHandler()(new Request(req, { headers }));
  if (isDemoMode() && response.headers.get(CHAOS_HEADER) === "response-dropped") {
    return droppedConnection(req, response);
  }
  return response;
}

/** An error in tRPC's shape, so the SDK and the page read it like the API's own. */
function refusal(httpStatus: number, oncelyCode: string, message: string): Response {
  const code = httpStatus === 401 ? "UNAUTHORIZED" : "FORBIDDEN";
  return Response.json(
    { error: { message, code: -32001, data: { code, httpStatus, oncelyCode } } },
    { status: httpStatus, headers: { "cache-control": "no-store" } },
  );
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

export { handle as GET, handle as POST };
