import { randomUUID } from "node:crypto";
import autocannon from "autocannon";

/** Load with autocannon where every request carries a new Idempotency-Key. */
export function loadWithNewKeys(options: {
  url: string;
  /** The request body, or a function giving each request its own. */
  body: string | (() => string);
  connections: number;
  seconds: number;
}) {
  const { body } = options;
  return autocannon({
    url: options.url,
    method: "POST",
    connections: options.connections,
    duration: options.seconds,
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : body(),
    requests: [
      {
        setupRequest: (req) => ({
          ...req,
          headers: { ...req.headers, "idempotency-key": randomUUID() },
          ...(typeof body === "string" ? {} : { body: body() }),
        }),
      },
    ],
  });
}

/** One request, timed end to end (milliseconds); throws on a non-2xx answer. */
export async function timedCall(url: string, key: string, body: string): Promise<{ ms: number; status: number }> {
  const t0 = performance.now();
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": key },
    body,
  });
  await response.arrayBuffer();
  return { ms: performance.now() - t0, status: response.status };
}

/** What one variant did in one round. */
export interface RoundSample {
  requestsPerSecond: number;
  /** CPU of the bench server and every PostgreSQL process, per answered request (ms). */
  cpuPerRequest: number;
  serverCpuPerRequest: number;
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
 * request. Any non-2xx answer or error fails the run.
 */
export function measureRounds<V extends string>(options: {
  variants: readonly V[];
  rounds: number;
  cpuMs: () => { server: number; postgres: number };
  load: (variant: V) => Promise<autocannon.Result>;
  onRound?: (round: number, samples: Record<V, RoundSample>) => void;
}): Promise<Record<V, RoundSample[]>> {
  const { cpuMs, load } = options;
  return inRounds({
    ...options,
    measure: async (variant): Promise<RoundSample> => {
      const before = cpuMs();
      const result = await load(variant);
      const after = cpuMs();
      if (result.non2xx > 0 || result.errors > 0) {
        throw new Error(`${variant}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
      }
      const server = after.server - before.server;
      const postgres = after.postgres - before.postgres;
      return {
        requestsPerSecond: result.requests.average,
        cpuPerRequest: (server + postgres) / result["2xx"],
        serverCpuPerRequest: server / result["2xx"],
      };
    },
  });
}
