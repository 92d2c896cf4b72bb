import { describe, expect, it } from "vitest";
import type { TestRouter } from "../test/scriptedFetch";
import { createOncelyClient } from "./client";

/** A fetch answering every batched query with "pong", recording how many calls each request carried. */
function batchingServer() {
  const callsPerRequest: number[] = [];
  const fetch = async (input: RequestInfo | URL) => {
    const url = new URL(String(input));
    const calls = url.pathname.split("/").at(-1)?.split(",") ?? [];
    callsPerRequest.push(calls.length);
    return new Response(JSON.stringify(calls.map(() => ({ result: { data: "pong" } }))), {
      headers: { "content-type": "application/json" },
    });
  };
  return { fetch: fetch as typeof globalThis.fetch, callsPerRequest };
}

describe("createOncelyClient's batching", () => {
  it("sends at most 20 queries per request by default, what an Oncely server accepts", async () => {
    const server = batchingServer();
    const client = createOncelyClient<TestRouter>({ url: "http://oncely.test/trpc", fetch: server.fetch });
    const answers = await Promise.all(Array.from({ length: 45 }, () => client.ping.query()));
    expect(answers.every((a) => a === "pong")).toBe(true);
    expect(server.callsPerRequest).toEqual([20, 20, 5]);
  });

  it("takes another bound from maxBatchSize", async () => {
    const server = batchingServer();
    const client = createOncelyClient<TestRouter>({
      url: "http://oncely.test/trpc",
      fetch: server.fetch,
      maxBatchSize: 4,
    });
    await Promise.all(Array.from({ length: 10 }, () => client.ping.query()));
    expect(server.callsPerRequest).toEqual([4, 4, 2]);
  });
});
