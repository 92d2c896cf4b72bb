import { describe, expect, it } from "vitest";
import { gatewayAwareFetch } from "./gatewayFetch";

const answering = (response: Response) => gatewayAwareFetch(async () => response);

describe("gatewayAwareFetch", () => {
  it("turns a proxy's HTML 503 into a tRPC error with the same status and Retry-After", async () => {
    const fetch = answering(
      new Response("<h1>Service Unavailable</h1>", {
        status: 503,
        statusText: "Service Unavailable",
        headers: { "content-type": "text/html", "retry-after": "2" },
      }),
    );
    const response = await fetch("http://x/trpc/orders.create");
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("2");
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({
      error: {
        code: -32603,
        message: "HTTP 503 Service Unavailable",
        data: { code: "SERVICE_UNAVAILABLE", httpStatus: 503 },
      },
    });
  });

  it("leaves the server's own JSON errors and every success alone", async () => {
    const json = new Response('{"error":{}}', { status: 409, headers: { "content-type": "application/json" } });
    expect(await answering(json)("http://x")).toBe(json);
    const success = new Response("plain", { status: 200, headers: { "content-type": "text/plain" } });
    expect(await answering(success)("http://x")).toBe(success);
  });

  it("uses the global fetch when given none, looked up at call time", async () => {
    const original = globalThis.fetch;
    globalThis.fetch = async () => new Response("busy", { status: 429 });
    try {
      const response = await gatewayAwareFetch()("http://x");
      expect(response.status).toBe(429);
      expect(((await response.json()) as any).error.data.code).toBe("TOO_MANY_REQUESTS");
    } finally {
      globalThis.fetch = original;
    }
  });
});
