import http from "node:http";
import { createNodeHandler } from "@oncely/api";
import { type Database, sql } from "@oncely/db";
import type { Logger } from "pino";

export interface ApiServerOptions {
  db: Database;
  logger: Logger;
}

/**
 * The API process's HTTP server: tRPC at /trpc, a health check at /healthz, 404 elsewhere.
 */
export function createApiServer({ db, logger }: ApiServerOptions): http.Server {
  const trpc = createNodeHandler({
    db,
    onError: ({ path, code, error }) => {
      if (code === "INTERNAL_SERVER_ERROR") logger.error({ path, err: error }, "procedure failed");
    },
  });

  return http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz") {
      // Healthy means: migrated (we only listen after migrating) and the database answers.
      db.execute(sql`SELECT 1`).then(
        () => sendJson(res, 200, { status: "ok" }),
        (err) => {
          logger.warn({ err }, "health check: database unreachable");
          sendJson(res, 503, { status: "database unreachable" });
        },
      );
      return;
    }
    if (path?.startsWith("/trpc/")) return trpc(req, res);
    sendJson(res, 404, { error: "not found: the API is served under /trpc" });
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}
