import { initTRPC } from "@trpc/server";
import { createOncelyClient, type OncelyClientOptions } from "../src";

/** A tiny router for unit tests: only its types are used (the server is scripted below). */
const t = initTRPC.create();
export const testRouter = t.router({
  pay: t.procedure.input((value) => value as { amount: number }).mutation(({ input }) => ({ paid: input.amount })),
  ping: t.procedure.query(() => "pong"),
});
export type TestRouter = typeof testRouter;

/** What the scripted server answers to one request. */
export type Reply =
  | { status?: number; headers?: Record<string, string>; json?: unknown; text?: string }
  /** fetch rejects, as on a refused or reset connection. */
  | "network-error"
  /** Never answers; rejects only when the request's signal aborts (as fetch does). */
  | "hang";

export interface SeenRequest {
  url: string;
  method: string;
  headers: Headers;
  body: unknown;
  /** Fake-clock time the request was sent. */
  at: number;
}

/** A tRPC error body as the server sends it. */
export function errorReply(httpStatus: number, oncelyCode?: string, headers?: Record<string, string>): Reply {
  return {
    status: httpStatus,
    headers,
    json: {
      error: {
        message: `failed with ${httpStatus}`,
        code: -32600,
        data: { code: "ERROR", httpStatus, ...(oncelyCode ? { oncelyCode } : {}) },
      },
    },
  };
}

/**
 * A fetch that answers from a script, one reply per request, then with success. It records
 * every request so a test can check keys, counts and timing.
 */
export function scriptedFetch(...script: Reply[]) {
  const requests: SeenRequest[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    requests.push({
      url,
      method: init?.method ?? "GET",
      headers: new Headers(init?.headers),
      body: typeof init?.body === "string" ? JSON.parse(init.body) : undefined,
      at: Date.now(),
    });
    const reply = script.shift() ?? { json: { result: { data: { paid: 0, n: requests.length } } } };
    if (reply === "network-error") throw new TypeError("fetch failed");
    if (reply === "hang") {
      return new Promise((_resolve, reject) => {
        const signal = init?.signal;
        if (signal?.aborted) return reject(signal.reason);
        signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
      });
    }
    const batched = url.includes("batch=1");
    const body = reply.text ?? JSON.stringify(batched ? [reply.json] : reply.json);
    const contentType = reply.text === undefined ? "application/json" : "text/html";
    return new Response(body, {
      status: reply.status ?? 200,
      headers: { "content-type": contentType, ...reply.headers },
    });
  };
  return { fetch: fetch as typeof globalThis.fetch, requests };
}

/** An Oncely client for TestRouter on a scripted fetch. */
export function scriptedClient(script: Reply[], options: Partial<OncelyClientOptions> = {}) {
  const server = scriptedFetch(...script);
  const client = createOncelyClient<TestRouter>({ url: "http://oncely.test/trpc", fetch: server.fetch, ...options });
  return { client, requests: server.requests };
}

export const ok = (data: unknown, headers?: Record<string, string>): Reply => ({ json: { result: { data } }, headers });
