import http from "node:http";
import type { AddressInfo } from "node:net";

export type Fault =
  /** Forward the request and its answer unchanged (to let a request by before the next fault). */
  | "pass"
  /** Forward the request, wait for the server's full answer, then cut the connection. */
  | "drop-response-after-commit"
  /** Cut the connection before the server sees the request. */
  | "reset-before-forward"
  /** Answer 503 with `Retry-After: 1` (seconds) and an HTML body, as a load balancer does. */
  | "unavailable-503"
  /** Answer 429 with `Retry-After` as an HTTP date two seconds ahead, in plain text. */
  | "rate-limited-429"
  /** Forward the request, then hold the server's answer for `delayMs` before passing it on. */
  | "delay-response";

export interface SeenRequest {
  path: string;
  idempotencyKey: string | undefined;
  fault: Fault | null;
}

export interface FaultProxyOptions {
  /** How long "delay-response" holds an answer (ms). Default 2500. */
  delayMs?: number;
}

/**
 * A loopback HTTP proxy for tests that injects faults into the next requests, in order.
 * It records every request it saw, so a test can check the key every attempt carried.
 */
export async function startFaultProxy(upstream: string, options: FaultProxyOptions = {}) {
  const delayMs = options.delayMs ?? 2_500;
  const faults: Fault[] = [];
  const seen: SeenRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const server = http.createServer((req, res) => {
    const fault = faults.shift() ?? null;
    seen.push({ path: req.url ?? "", idempotencyKey: req.headers["idempotency-key"] as string | undefined, fault });
    if (fault === "reset-before-forward") {
      req.socket.destroy();
      return;
    }
    if (fault === "unavailable-503") {
      req.resume();
      res
        .writeHead(503, { "content-type": "text/html", "retry-after": "1" })
        .end("<html><body><h1>503 Service Unavailable</h1></body></html>");
      return;
    }
    if (fault === "rate-limited-429") {
      req.resume();
      const retryAt = new Date(Date.now() + 2_000).toUTCString();
      res.writeHead(429, { "content-type": "text/plain", "retry-after": retryAt }).end("Too Many Requests");
      return;
    }
    const forward = http.request(
      new URL(req.url ?? "/", upstream),
      { method: req.method, headers: req.headers },
      (upstreamRes) => {
        const chunks: Buffer[] = [];
        upstreamRes.on("data", (chunk: Buffer) => chunks.push(chunk));
        upstreamRes.on("end", () => {
          if (fault === "drop-response-after-commit") {
            req.socket.destroy();
            return;
          }
          const send = () => {
            // The client may have given up on this attempt (its timeout) and closed the socket.
            if (res.destroyed || req.socket.destroyed) return;
            res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers).end(Buffer.concat(chunks));
          };
          if (fault !== "delay-response") return send();
          const timer = setTimeout(() => {
            timers.delete(timer);
            send();
          }, delayMs);
          timers.add(timer);
        });
      },
    );
    forward.on("error", () => req.socket.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    inject: (...next: Fault[]) => faults.push(...next),
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
