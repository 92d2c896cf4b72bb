import { describe, expect, it } from "vitest";
import { errorReply, ok, scriptedClient } from "../test/scriptedFetch";
import { withMeta } from "./callMeta";
import { REPLAYED_HEADER } from "./constants";

describe("withMeta", () => {
  it("gives the data with its key, attempts and replayed flag, keeping the call's types", async () => {
    const { client, requests } = scriptedClient(["network-error", ok({ paid: 7 }, { [REPLAYED_HEADER]: "true" })], {
      policy: { baseDelayMs: 1 },
    });
    const result = await withMeta((context) => client.pay.mutate({ amount: 7 }, { context }));
    const paid: number = result.data.paid;
    expect(paid).toBe(7);
    expect(result).toEqual({
      data: { paid: 7 },
      key: requests[0]?.headers.get("idempotency-key"),
      attempts: 2,
      replayed: true,
    });
  });

  it("says replayed false for a first answer, and passes a caller's key through", async () => {
    const { client, requests } = scriptedClient([ok({ paid: 1 })]);
    const result = await withMeta((context) => client.pay.mutate({ amount: 1 }, { context }), {
      idempotencyKey: "order-1",
    });
    expect(result).toMatchObject({ key: "order-1", attempts: 1, replayed: false });
    expect(requests[0]?.headers.get("idempotency-key")).toBe("order-1");
  });

  it("reports queries too (no key)", async () => {
    const { client } = scriptedClient([ok("pong")]);
    expect(await withMeta((context) => client.ping.query(undefined, { context }))).toEqual({
      data: "pong",
      key: undefined,
      attempts: 1,
      replayed: false,
    });
  });

  it("rejects with the call's OncelyError, which carries key and attempts", async () => {
    const { client } = scriptedClient([errorReply(422, "idempotency_key_reused")]);
    await expect(withMeta((context) => client.pay.mutate({ amount: 1 }, { context }))).rejects.toMatchObject({
      code: "server_error",
      serverCode: "idempotency_key_reused",
      attempts: 1,
    });
  });

  it("tells the caller who forgot to pass the context on", async () => {
    const { client } = scriptedClient([ok({ paid: 1 })]);
    await expect(withMeta(() => client.pay.mutate({ amount: 1 }))).rejects.toThrow(/pass the context/);
  });
});
