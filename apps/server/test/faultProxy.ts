import http from "node:http";
import type { AddressInfo } from "node:net";

export type Fault =
  /** Forward the request, wait for the server's full answer, then cut the connection. */
  | "drop-response-after-commit"
  /** Cut the connection before the server sees the request. */
  | "reset-before-forward";

export interface SeenRequest {
  path: string;
  idempotencyKey: string | undefined;
  fault: Fault | null;
}

/**
 * A loopback HTTP proxy for tests that injects faults into the next requests, in order.
 * It records every request it saw, so a test can check the key every attempt carried.
 */
export async function startFaultProxy(upstream: string) {
  const faults: Fault[] = [];
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const fault = faults.shift() ?? null;
    seen.push({ path: req.url ?? "", idempotencyKey: req.headers["idempotency-key"] as string | undefined, fault });
    if (fault === "reset-before-forward") {
      req.socket.destroy();
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
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers).end(Buffer.concat(chunks));
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
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
