import { randomUUID } from "node:crypto";
import autocannon from "autocannon";
import { perRequestDelta } from "./databaseCounters";

/**
 * Load with autocannon: POSTs, each with its own Idempotency-Key (`key()`, a new UUID unless
 * told otherwise: pass one that picks from used keys to load replays).
 */
export function loadWithKeys(options: {
  url: string;
  /** The request body, or a function giving each request its own. */
  body: string | (() => string);
  connections: number;
  seconds: number;
  key?: () => string;
  headers?: Record<string, string>;
}) {
  const { body, key = randomUUID } = options;
  return autocannon({
    url: options.url,
    method: "POST",
    connections: options.connections,
    duration: options.seconds,
    headers: { "content-type": "application/json", ...options.headers },
    body: typeof body === "string" ? body : body(),
    requests: [
      {
        setupRequest: (req) => ({
          ...req,
          headers: { ...req.headers, "idempotency-key": key() },
          ...(typeof body === "string" ? {} : { body: body() }),
        }),
      },
    ],
  });
}

/** One request, timed end to end (milliseconds), and the status it was answered with. */
export async function timedCall(
  url: string,
  key: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ ms: number; status: number }> {
  const t0 = performance.now();
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": key, ...headers },
    body,
  });
  await response.arrayBuffer();
  return { ms: performance.now() - t0, status: response.status };
}

/** Fails the run if a load got any non-2xx answer or error. */
export function checkAnswered(what: string, result: autocannon.Result): void {
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${what}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  }
}

/** What one variant did in one round. */
export interface RoundSample {
  requestsPerSecond: number;
  /** Requests answered (all 2xx: anything else fails the run). */
  answered: number;
  /** CPU of the measured server and every PostgreSQL process, per answered request (ms). */
  cpuPerRequest: number;
  serverCpuPerRequest: number;
  /** The database's counters (databaseCounters.ts's writeCounters) per answered request, when asked for. */
  databasePerRequest?: Record<string, number>;
  /**
   * Work the requests left behind, done while `settle()` waited after the load (apps/server's
   * outbox worker catching up): how many items were pending when the load ended, and the CPU
   * (ms, not per request) the server and PostgreSQL used meanwhile. Included in the per-request
   * CPU above.
   */
  deferred?: { items: number; serverMs: number; postgresMs: number };
}

/**
 * Measures every variant once per round, `rounds` times. Every other round runs the variants
 * in reverse, so a drift in machine speed during a round favours none. Returns each variant's
 * samples in round order (so ratios can be taken within a round).
 */
export async function inRounds<V extends string, S>(options: {
  variants: readonly V[];
  rounds: number;
  measure: (variant: V) => Promise<S>;
  onRound?: (round: number, samples: Record<V, S>) => void;
}): Promise<Record<V, S[]>> {
  const { variants, rounds, measure } = options;
  const all = Object.fromEntries(variants.map((v) => [v, [] as S[]])) as Record<V, S[]>;
  for (let round = 0; round < rounds; round++) {
    const thisRound = {} as Record<V, S>;
    for (const variant of round % 2 === 0 ? variants : [...variants].reverse()) {
      thisRound[variant] = await measure(variant);
    }
    for (const variant of variants) all[variant].push(thisRound[variant]);
    options.onRound?.(round, thisRound);
  }
  return all;
}

/**
 * Loads every variant once per round (inRounds) and samples its throughput and CPU per
 * request. Any non-2xx answer or error fails the run. With `database`, each load is followed
 * by `settle()` (e.g. until an outbox worker has caught up with what the requests left it; it
 * resolves with how many items were pending), and CPU and the database's counters are read
 * after it, so both include that work.
 */
export function measureRounds<V extends string>(options: {
  variants: readonly V[];
  rounds: number;
  /** CPU time so far (ms) of the server that answers `variant`, and of PostgreSQL. */
  cpuMs: (variant: V) => { server: number; postgres: number };
  load: (variant: V) => Promise<autocannon.Result>;
  database?: { counters: () => Promise<Record<string, number>>; settle: () => Promise<number> };
  onRound?: (round: number, samples: Record<V, RoundSample>) => void;
}): Promise<Record<V, RoundSample[]>> {
  const { cpuMs, load, database } = options;
  return inRounds({
    ...options,
    measure: async (variant): Promise<RoundSample> => {
      const countersBefore = await database?.counters();
      const before = cpuMs(variant);
      const result = await load(variant);
      const loaded = cpuMs(variant);
      const items = await database?.settle();
      const after = cpuMs(variant);
      const countersAfter = await database?.counters();
      checkAnswered(variant, result);
      const answered = result["2xx"];
      const server = after.server - before.server;
      const postgres = after.postgres - before.postgres;
      return {
        requestsPerSecond: result.requests.average,
        answered,
        cpuPerRequest: (server + postgres) / answered,
        serverCpuPerRequest: server / answered,
        ...(countersBefore && countersAfter
          ? { databasePerRequest: perRequestDelta(countersBefore, countersAfter, answered) }
          : {}),
        ...(items === undefined
          ? {}
          : {
              deferred: {
                items,
                serverMs: after.server - loaded.server,
                postgresMs: after.postgres - loaded.postgres,
              },
            }),
      };
    },
  });
}
