import http from "node:http";
import type { AddressInfo } from "node:net";
import type { FaultRates } from "./options";

/** What the balancer did and saw, for the report. */
export interface BalancerStats {
  requests: number;
  /** Answers the server sent and the client never got (the connection was cut after). */
  droppedResponses: number;
  /** ...of which were successes: committed writes whose answer was lost. */
  droppedSuccesses: number;
  resets: number;
  delayed: number;
  /** Requests that could not reach an instance (killed mid-request or refused): a 502. */
  upstreamFailures: number;
  /** No instance was up: a 503 with Retry-After. */
  noInstance: number;
  /** Answers from an instance, by HTTP status. */
  statuses: Record<number, number>;
  /** Answers from an instance marked `Idempotent-Replayed: true`. */
  replays: number;
}

export interface FaultyBalancerOptions {
  /** The origins of the instances that are up right now (asked per request). */
  upstreams: () => string[];
  faults: FaultRates;
  random?: () => number;
}

export interface FaultyBalancer {
  url: string;
  stats: BalancerStats;
  /** Requests forwarded to this origin whose answer has not come back yet. */
  inFlight: (origin: string) => number;
  /** Stop injecting faults (the reconciliation after the chaos goes through clean). */
  calm: () => void;
  close: () => Promise<void>;
}

/**
 * A round-robin HTTP balancer in front of the instances that injects faults into a random
 * share of requests: it cuts the client's connection before forwarding (reset), or after the
 * server answered (dropped response: the write committed, the client does not know), or holds
 * the request or the answer for a while (latency). An instance that dies mid-request, or was
 * killed a moment ago, gives a 502 as a real balancer would; none up at all gives a 503.
 */
export async function startFaultyBalancer(options: FaultyBalancerOptions): Promise<FaultyBalancer> {
  const random = options.random ?? Math.random;
  let faults: FaultRates = options.faults;
  let next = 0;
  const timers = new Set<NodeJS.Timeout>();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
  const inFlight = new Map<string, number>();
  const track = (origin: string, delta: number) => inFlight.set(origin, (inFlight.get(origin) ?? 0) + delta);
  const stats: BalancerStats = {
    requests: 0,
    droppedResponses: 0,
    droppedSuccesses: 0,
    resets: 0,
    delayed: 0,
    upstreamFailures: 0,
    noInstance: 0,
    statuses: {},
    replays: 0,
  };

  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const server = http.createServer((req, res) => {
    stats.requests++;
    req.on("error", () => {});
    res.on("error", () => {});
    const upstreams = options.upstreams();
    if (upstreams.length === 0) {
      stats.noInstance++;
      req.resume();
      res.writeHead(503, { "content-type": "text/html", "retry-after": "1" }).end("<h1>503 No instance up</h1>");
      return;
    }
    const upstream = upstreams[next++ % upstreams.length] as string;

    const roll = random();
    const fault =
      roll < faults.reset
        ? "reset"
        : roll < faults.reset + faults.drop
          ? "drop"
          : roll < faults.reset + faults.drop + faults.delay
            ? random() < 0.5
              ? "delay-request"
              : "delay-response"
            : null;
    if (fault === "reset") {
      stats.resets++;
      req.socket.destroy();
      return;
    }
    const delayMs = Math.floor(random() * faults.maxDelayMs);
    if (fault === "delay-request" || fault === "delay-response") stats.delayed++;

    const forward = () => {
      track(upstream, 1);
      let settled = false;
      const settle = () => {
        if (!settled) track(upstream, -1);
        settled = true;
      };
      const upstreamReq = http.request(
        new URL(req.url ?? "/", upstream),
        { method: req.method, headers: req.headers, agent },
        (upstreamRes) => {
          const chunks: Buffer[] = [];
          upstreamRes.on("data", (chunk: Buffer) => chunks.push(chunk));
          upstreamRes.on("error", () => badGateway());
          upstreamRes.on("end", () => {
            settle();
            const status = upstreamRes.statusCode ?? 502;
            stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
            if (upstreamRes.headers["idempotent-replayed"] === "true") stats.replays++;
            if (fault === "drop") {
              stats.droppedResponses++;
              if (status === 200) stats.droppedSuccesses++;
              req.socket.destroy();
              return;
            }
            const send = () => {
              // The client may have given up on this attempt (its timeout) meanwhile.
              if (res.destroyed || res.headersSent) return;
              res.writeHead(status, upstreamRes.headers).end(Buffer.concat(chunks));
            };
            if (fault === "delay-response") later(delayMs, send);
            else send();
          });
        },
      );
      const badGateway = () => {
        settle();
        if (res.headersSent || res.destroyed) return;
        stats.upstreamFailures++;
        res.writeHead(502, { "content-type": "text/html" }).end("<h1>502 Bad Gateway</h1>");
      };
      upstreamReq.on("error", badGateway);
      req.pipe(upstreamReq);
    };
    if (fault === "delay-request") later(delayMs, forward);
    else forward();
  });
  server.on("clientError", (_error, socket) => socket.destroy());

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    inFlight: (origin) => inFlight.get(origin) ?? 0,
    calm: () => {
      faults = { drop: 0, reset: 0, delay: 0, maxDelayMs: 0 };
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
