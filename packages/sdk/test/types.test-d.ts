import type { AccountResponse, AppRouter, OrderResponse } from "@oncely/api";
import { QueryClient } from "@tanstack/react-query";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { describe, expectTypeOf, it } from "vitest";
import { type CallResult, createOncelyClient, type OncelyCallContext, type OncelyError, withMeta } from "../src";
import { useIdempotentMutation } from "../src/react";

const oncely = createOncelyClient<AppRouter>({ url: "http://localhost:4000/trpc" });
const input = { accountId: "5b0c5d3e-6c1f-4c55-9c55-8f1f5b8a9a10", amount: 1999, currency: "USD" };

describe("router types reach the client", () => {
  it("types mutation inputs and outputs", () => {
    expectTypeOf(oncely.orders.create.mutate).parameter(0).toEqualTypeOf<{
      accountId: string;
      amount: number;
      currency: string;
      description?: string | undefined;
    }>();
    expectTypeOf(oncely.orders.create.mutate(input)).resolves.toEqualTypeOf<OrderResponse>();
  });

  it("types queries", () => {
    expectTypeOf(oncely.orders.get.query({ orderId: input.accountId })).resolves.toEqualTypeOf<OrderResponse>();
    expectTypeOf(oncely.accounts.list.query()).resolves.toEqualTypeOf<AccountResponse[]>();
  });

  it("refuses wrong input at compile time", () => {
    // @ts-expect-error amount is a number of minor units, not a string
    oncely.orders.create.mutate({ ...input, amount: "19.99" });
    // @ts-expect-error currency is required
    oncely.orders.create.mutate({ accountId: input.accountId, amount: 1 });
    // @ts-expect-error no such procedure
    oncely.orders.refundEverything.mutate(input);
    // @ts-expect-error a query has no mutate
    oncely.orders.get.mutate({ orderId: input.accountId });
  });

  it("types the per-call options in the context", () => {
    oncely.orders.create.mutate(input, {
      signal: new AbortController().signal,
      context: {
        idempotencyKey: "order-1",
        retry: { maxRetries: 0 },
        onAttempt: (event) => expectTypeOf(event.delayMs).toBeNumber(),
      } satisfies OncelyCallContext,
    });
    // @ts-expect-error a key is a string
    oncely.orders.create.mutate(input, { context: { idempotencyKey: 42 } satisfies OncelyCallContext });
    // @ts-expect-error no such policy field
    oncely.orders.create.mutate(input, { context: { retry: { retries: 3 } } satisfies OncelyCallContext });
  });

  it("keeps the data type through withMeta", () => {
    const result = withMeta((context) => oncely.orders.create.mutate(input, { context }));
    expectTypeOf(result).resolves.toEqualTypeOf<CallResult<OrderResponse>>();
    expectTypeOf<CallResult<OrderResponse>["replayed"]>().toEqualTypeOf<boolean>();
    expectTypeOf<OncelyError["code"]>().toEqualTypeOf<
      "server_error" | "network_error" | "timeout" | "aborted" | "retry_budget_exhausted" | "invalid_idempotency_key"
    >();
  });
});

describe("useIdempotentMutation types", () => {
  const trpc = createTRPCOptionsProxy<AppRouter>({ client: oncely, queryClient: new QueryClient() });

  it("takes the procedure's input and gives its output", () => {
    const pay = useIdempotentMutation(trpc.orders.create, { persistAs: "checkout" });
    expectTypeOf(pay.mutate).parameter(0).toEqualTypeOf<{
      accountId: string;
      amount: number;
      currency: string;
      description?: string | undefined;
    }>();
    expectTypeOf(pay.data).toEqualTypeOf<OrderResponse | undefined>();
    expectTypeOf(pay.idempotencyKey).toEqualTypeOf<string | undefined>();
    expectTypeOf(pay.reset).toEqualTypeOf<() => void>();
    // @ts-expect-error wrong input
    pay.mutate({ ...input, amount: "1" });
  });

  it("accepts mutations only, and keeps TanStack's retry out of reach", () => {
    // @ts-expect-error a query procedure
    useIdempotentMutation(trpc.orders.get);
    // @ts-expect-error the SDK retries; TanStack's retry would send more attempts
    useIdempotentMutation(trpc.orders.create, { retry: 3 });
  });
});
