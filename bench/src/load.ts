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
