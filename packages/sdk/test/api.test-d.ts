import type { AppRouter as ServerAppRouter } from "@oncely/api";
import type { inferRouterError, inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { describe, expectTypeOf, it } from "vitest";
import { createOncelyApiClient, type OncelyApiInputs, type OncelyApiOutputs } from "../src/api";

// @oncely/sdk/api carries Oncely's router as plain types (src/api/appRouter.ts, generated):
// a client must get exactly what the server's own AppRouter would give it.

describe("@oncely/sdk/api", () => {
  it("gives a client the same inputs, outputs and errors as the server's own router", () => {
    expectTypeOf<OncelyApiInputs>().toEqualTypeOf<inferRouterInputs<ServerAppRouter>>();
    expectTypeOf<OncelyApiOutputs>().toEqualTypeOf<inferRouterOutputs<ServerAppRouter>>();
    expectTypeOf<inferRouterError<import("../src/api").AppRouter>>().toEqualTypeOf<inferRouterError<ServerAppRouter>>();
  });

  it("types calls, and refuses wrong ones at compile time", async () => {
    const api = createOncelyApiClient({ url: "http://localhost:4000/trpc", apiKey: "sk_test_alice" });
    const input = { accountId: "5b0c5d3e-6c1f-4c55-9c55-8f1f5b8a9a10", amount: 1999, currency: "USD" };
    expectTypeOf((await api.orders.create.mutate(input)).id).toEqualTypeOf<string>();
    expectTypeOf(api.accounts.list.query()).resolves.toEqualTypeOf<OncelyApiOutputs["accounts"]["list"]>();
    // @ts-expect-error amount is a number of minor units, not a string
    api.orders.create.mutate({ ...input, amount: "19.99" });
    // @ts-expect-error a query has no mutate
    api.orders.get.mutate({ orderId: input.accountId });
  });
});
