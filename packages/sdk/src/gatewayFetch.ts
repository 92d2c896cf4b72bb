// Load balancers and proxies answer 429/502/503/504 with HTML or plain text. tRPC cannot parse
// those, so the status and the Retry-After header would be lost and the answer would look like
// no answer at all. This fetch turns such an answer into a tRPC error body with the same status
// and headers, so the retry table and Retry-After apply to it as to the server's own errors.

/** JSON-RPC "internal error": tRPC's wire code for errors it has no better number for. */
const JSON_RPC_INTERNAL_ERROR = -32603;

const TRPC_CODE_BY_STATUS: Record<number, string> = {
  408: "TIMEOUT",
  429: "TOO_MANY_REQUESTS",
  502: "BAD_GATEWAY",
  503: "SERVICE_UNAVAILABLE",
  504: "GATEWAY_TIMEOUT",
};

type Fetch = typeof fetch;

/** Wraps `fetch` (the global one, looked up per call, when none is given). */
export function gatewayAwareFetch(inner?: Fetch): Fetch {
  return async (input, init) => {
    const response = await (inner ?? globalThis.fetch)(input, init);
    if (response.ok || /\bjson\b/i.test(response.headers.get("content-type") ?? "")) return response;
    await response.body?.cancel().catch(() => {});
    const headers = new Headers(response.headers);
    headers.set("content-type", "application/json");
    headers.delete("content-length");
    const body = {
      error: {
        code: JSON_RPC_INTERNAL_ERROR,
        message: `HTTP ${response.status} ${response.statusText}`.trim(),
        data: { code: TRPC_CODE_BY_STATUS[response.status] ?? "INTERNAL_SERVER_ERROR", httpStatus: response.status },
      },
    };
    return new Response(JSON.stringify(body), { status: response.status, statusText: response.statusText, headers });
  };
}
