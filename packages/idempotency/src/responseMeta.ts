/**
 * tRPC's `responseMeta` for any adapter (standalone, fetch, Next.js route handlers): sends the
 * headers the engine put in `ctx.responseHeaders` (`Idempotent-Replayed`, `Retry-After`), so
 * clients learn that an answer was replayed and when to come back after a 409 or 503.
 *
 *   createHTTPHandler({ router, createContext, responseMeta: oncelyResponseMeta })
 *
 * With tRPC batching, the headers of every call in the batch are sent together.
 */
export function oncelyResponseMeta(options: { ctx?: { responseHeaders?: Headers } | undefined }): {
  headers?: Headers;
} {
  const headers = options.ctx?.responseHeaders;
  return headers ? { headers } : {};
}
