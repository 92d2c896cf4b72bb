import http from "node:http";
import { createNodeHandler, type RequestObserver } from "@oncely/api";
import type { Database } from "@oncely/db";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { Monitor } from "./monitor";

export interface ApiServerOptions {
  db: Database;
  logger: Logger;
  /** Probes the database for /readyz and /metrics. */
  monitor: Monitor;
  /** What /metrics renders. */
  registry: Registry;
  /** Told about every API request once it is answered (logs, metrics). */
  onRequest?: RequestObserver;
}

export interface ApiServer extends http.Server {
  /** From now on /readyz says 503: a balancer stops sending before we stop listening. */
  drain: () => void;
}

/**
 * The API process's HTTP server: tRPC at /trpc, liveness at /healthz, readiness (the database
 * answers) at /readyz, Prometheus metrics at /metrics, 404 elsewhere.
 */
export function createApiServer({ db, logger, monitor, registry, onRequest }: ApiServerOptions): ApiServer {
  const trpc = createNodeHandler({
    db,
    onRequest,
    onError: ({ path, code, error }) => {
      if (code === "INTERNAL_SERVER_ERROR") logger.error({ path, err: error }, "procedure failed");
    },
  });
  let draining = false;

  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path?.startsWith("/trpc/")) return trpc(req, res);
    if (path === "/healthz") {
      // Liveness only: the process runs and serves HTTP. The database is /readyz's business.
      return sendJson(res, 200, { status: "ok" });
    }
    if (path === "/readyz") {
      if (draining) return sendJson(res, 503, { status: "shutting down" });
      void monitor.ready().then((ready) => {
        if (ready) return sendJson(res, 200, { status: "ready" });
        logger.warn("readiness check: the database does not answer");
        sendJson(res, 503, { status: "database unreachable" });
      });
      return;
    }
    if (path === "/metrics") {
      registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
        (err) => {
          logger.error({ err }, "rendering metrics failed");
          sendJson(res, 500, { error: "metrics failed" });
        },
      );
      return;
    }
    sendJson(res, 404, { error: "not found: the API is served under /trpc" });
  });
  return Object.assign(server, {
    drain: () => {
      draining = true;
    },
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}
