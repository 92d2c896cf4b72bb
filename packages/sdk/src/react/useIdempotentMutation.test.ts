// @vitest-environment happy-dom
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { act, createElement, type ReactNode } from "react";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { idempotentServer } from "../../test/idempotentServer";
import { renderHook } from "../../test/renderHook";
import type { AttemptEvent } from "../callMeta";
import { STORAGE_PREFIX } from "./operationKeys";
import { type UseIdempotentMutationOptions, useIdempotentMutation } from "./useIdempotentMutation";

type Server = ReturnType<typeof idempotentServer>;

/** Mounts the hook for `pay` on a fresh QueryClient, as one page load would. */
function mountPay(server: Server, options: UseIdempotentMutationOptions<{ amount: number }, any, any> = {}) {
  const queryClient = new QueryClient({ defaultOptions: { mutations: { retry: 3 } } });
  // No SDK retries here: a failed call stays failed, as when every retry was spent.
  const trpc = createTRPCOptionsProxy({ client: server.client({ policy: { maxRetries: 0 } }), queryClient });
  const wrap = (children: ReactNode) => createElement(QueryClientProvider, { client: queryClient }, children);
  return renderHook(() => useIdempotentMutation(trpc.pay, options), wrap);
}

let server: Server;
beforeEach(() => {
  server = idempotentServer();
  sessionStorage.clear();
});
afterEach(() => sessionStorage.clear());

describe("useIdempotentMutation", () => {
  it("turns a double submit while pending into one request with one key", async () => {
    const { result, unmount } = mountPay(server);
    const release = server.hold();
    let first: Promise<unknown> = Promise.resolve();
    let second: Promise<unknown> = Promise.resolve();
    await act(async () => {
      first = result.current.mutateAsync({ amount: 500 });
      second = result.current.mutateAsync({ amount: 500 });
    });
    expect(result.current.isPending).toBe(true);
    await act(async () => {
      release();
      await Promise.all([first, second]);
    });
    expect(await first).toEqual({ paid: 500, effect: 1 });
    expect(await second).toEqual(await first);
    expect(server.keys).toHaveLength(1);
    expect(server.effects()).toBe(1);
    expect(result.current.idempotencyKey).toBe(server.keys[0]);
    expect(result.current.data).toEqual({ paid: 500, effect: 1 });
    unmount();
  });

  it("runs the mutation callbacks once for a double submit, however it is submitted", async () => {
    const calls: string[] = [];
    const { result, unmount } = mountPay(server, {
      onMutate: () => void calls.push("onMutate"),
      onSuccess: () => void calls.push("onSuccess"),
      onSettled: () => void calls.push("onSettled"),
    });
    const release = server.hold();
    let asyncSubmit: Promise<unknown> = Promise.resolve();
    await act(async () => {
      result.current.mutate({ amount: 300 }, { onSuccess: () => void calls.push("first click") });
      result.current.mutate({ amount: 300 }, { onSuccess: () => void calls.push("second click") });
      asyncSubmit = result.current.mutateAsync({ amount: 300 });
    });
    await act(async () => {
      release();
      await asyncSubmit;
    });
    expect(await asyncSubmit).toEqual({ paid: 300, effect: 1 });
    expect(calls).toEqual(["onMutate", "onSuccess", "onSettled", "first click"]);
    expect(server.keys).toHaveLength(1);
    expect(server.effects()).toBe(1);
    unmount();
  });

  it("resubmits after a lost answer with the same key and shows the replay", async () => {
    const { result, unmount } = mountPay(server);
    server.inject("drop-after-commit");
    await act(async () => {
      await result.current.mutateAsync({ amount: 700 }).catch(() => {});
    });
    expect(result.current.isError).toBe(true);
    expect(result.current.error).toMatchObject({ name: "OncelyError", code: "network_error", retryable: true });
    // TanStack's own retry stays off (the SDK retries), whatever the QueryClient's defaults.
    expect(server.keys).toHaveLength(1);

    await act(async () => {
      await result.current.mutateAsync({ amount: 700 });
    });
    expect(server.keys).toHaveLength(2);
    expect(server.keys[1]).toBe(server.keys[0]);
    expect(server.effects()).toBe(1);
    expect(result.current.data).toEqual({ paid: 700, effect: 1 });
    expect(result.current.meta).toEqual({ key: server.keys[0], attempts: 1, replayed: true });
    unmount();
  });

  it("ends the operation with a success: the same input sent again on purpose is a new operation", async () => {
    const { result, unmount } = mountPay(server);
    await act(async () => {
      await result.current.mutateAsync({ amount: 1 });
    });
    expect(result.current.meta).toEqual({ key: server.keys[0], attempts: 1, replayed: false });
    await act(async () => {
      await result.current.mutateAsync({ amount: 1 });
    });
    expect(server.effects()).toBe(2);
    expect(new Set(server.keys).size).toBe(2);
    expect(result.current.idempotencyKey).toBe(server.keys[1]);
    expect(result.current.meta?.replayed).toBe(false);
    unmount();
  });

  it("ends the operation with a stored refusal: decline, top up, pay again charges once with a new key", async () => {
    const { result, unmount } = mountPay(server, { persistAs: "checkout" });
    server.setBalance(1_000);
    await act(async () => {
      await result.current.mutateAsync({ amount: 1_500 }).catch(() => {});
    });
    expect(result.current.error).toMatchObject({ code: "server_error", serverCode: "insufficient_funds" });
    expect(result.current.meta).toEqual({ key: server.keys[0], attempts: 1, replayed: false });
    // Nothing is kept to resume: the refusal is the operation's final answer.
    expect(sessionStorage.getItem(`${STORAGE_PREFIX}checkout`)).toBeNull();

    server.setBalance(2_000);
    await act(async () => {
      await result.current.mutateAsync({ amount: 1_500 });
    });
    expect(server.keys).toHaveLength(2);
    expect(server.keys[1]).not.toBe(server.keys[0]);
    expect(server.effects()).toBe(1);
    expect(result.current.data).toEqual({ paid: 1_500, effect: 1 });
    expect(result.current.meta).toEqual({ key: server.keys[1], attempts: 1, replayed: false });
    unmount();
  });

  it("marks a refusal that came from the key store as replayed, and then ends the operation", async () => {
    const { result, unmount } = mountPay(server);
    server.setBalance(100);
    // The refusal is stored, but its answer is lost: the outcome is unknown, the key is kept.
    server.inject("drop-after-commit");
    await act(async () => {
      await result.current.mutateAsync({ amount: 500 }).catch(() => {});
    });
    expect(result.current.error).toMatchObject({ code: "network_error", retryable: true });
    expect(result.current.meta).toBeUndefined();

    await act(async () => {
      await result.current.mutateAsync({ amount: 500 }).catch(() => {});
    });
    expect(server.keys[1]).toBe(server.keys[0]);
    expect(result.current.error).toMatchObject({ serverCode: "insufficient_funds", retryable: false });
    expect(result.current.meta).toEqual({ key: server.keys[0], attempts: 1, replayed: true });

    await act(async () => {
      await result.current.mutateAsync({ amount: 500 }).catch(() => {});
    });
    expect(server.keys[2]).not.toBe(server.keys[0]);
    expect(result.current.meta?.replayed).toBe(false);
    expect(server.effects()).toBe(0);
    unmount();
  });

  it("keeps the key after a 503 (nothing saved, outcome unknown to the client) and runs once", async () => {
    const { result, unmount } = mountPay(server);
    server.inject("fail-before-commit");
    await act(async () => {
      await result.current.mutateAsync({ amount: 40 }).catch(() => {});
    });
    expect(result.current.error).toMatchObject({ httpStatus: 503, retryable: true });
    await act(async () => {
      await result.current.mutateAsync({ amount: 40 });
    });
    expect(server.keys).toEqual([server.keys[0], server.keys[0]]);
    expect(server.effects()).toBe(1);
    expect(result.current.meta).toEqual({ key: server.keys[0], attempts: 1, replayed: false });
    unmount();
  });

  it("starts a new operation for new input, and after reset() while the outcome is unknown", async () => {
    const { result, unmount } = mountPay(server);
    server.inject("drop-after-commit");
    await act(async () => {
      await result.current.mutateAsync({ amount: 1 }).catch(() => {});
    });
    await act(async () => {
      await result.current.mutateAsync({ amount: 2 });
    });
    expect(server.effects()).toBe(2);
    expect(new Set(server.keys).size).toBe(2);

    server.inject("drop-after-commit");
    await act(async () => {
      await result.current.mutateAsync({ amount: 3 }).catch(() => {});
    });
    act(() => result.current.reset());
    expect(result.current.idempotencyKey).toBeUndefined();
    expect(result.current.error).toBeNull();
    await act(async () => {
      await result.current.mutateAsync({ amount: 3 });
    });
    expect(server.effects()).toBe(4);
    expect(new Set(server.keys).size).toBe(4);
    unmount();
  });

  it("with persistAs, resumes the same operation after a page reload", async () => {
    const firstLoad = mountPay(server, { persistAs: "checkout" });
    server.inject("drop-after-commit");
    await act(async () => {
      await firstLoad.result.current.mutateAsync({ amount: 900 }).catch(() => {});
    });
    const key = server.keys[0];
    expect(sessionStorage.getItem(`${STORAGE_PREFIX}checkout`)).toContain(key);
    firstLoad.unmount();

    const secondLoad = mountPay(server, { persistAs: "checkout" });
    expect(secondLoad.result.current.idempotencyKey).toBe(key);
    await act(async () => {
      await secondLoad.result.current.mutateAsync({ amount: 900 });
    });
    expect(server.keys).toEqual([key, key]);
    expect(server.effects()).toBe(1);
    expect(secondLoad.result.current.meta?.replayed).toBe(true);
    // The answer is in: nothing is left to resume after another reload.
    expect(sessionStorage.getItem(`${STORAGE_PREFIX}checkout`)).toBeNull();
    secondLoad.unmount();
    expect(mountPay(server, { persistAs: "checkout" }).result.current.idempotencyKey).toBeUndefined();
  });

  it("reports retries as lastAttempt and to onAttempt", async () => {
    const events: AttemptEvent[] = [];
    const queryClient = new QueryClient();
    const trpc = createTRPCOptionsProxy({ client: server.client({ policy: { baseDelayMs: 1 } }), queryClient });
    const wrap = (children: ReactNode) => createElement(QueryClientProvider, { client: queryClient }, children);
    const { result, unmount } = renderHook(
      () => useIdempotentMutation(trpc.pay, { onAttempt: (event) => events.push(event) }),
      wrap,
    );
    server.inject("drop-after-commit");
    await act(async () => {
      await result.current.mutateAsync({ amount: 3 });
    });
    expect(events.map((event) => event.attempt)).toEqual([1]);
    expect(result.current.lastAttempt).toMatchObject({ attempt: 1, key: server.keys[0], path: "pay" });
    expect(result.current.meta).toEqual({ key: server.keys[0], attempts: 2, replayed: true });
    expect(server.effects()).toBe(1);
    unmount();
  });
});
