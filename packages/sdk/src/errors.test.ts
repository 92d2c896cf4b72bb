import { TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import { callError, isOncelyError, OncelyError } from "./errors";

const answered = new TRPCClientError("No account", {
  meta: { response: new Response(null, { status: 404 }) },
  result: {
    error: {
      code: -32004,
      message: "No account",
      data: { code: "NOT_FOUND", httpStatus: 404, oncelyCode: "account_not_found" },
    },
  } as never,
});
const outcome = {
  cause: answered,
  key: "k-1",
  attempts: 1,
  aborted: false,
  budgetExhausted: false,
  timedOut: false,
  retryable: false,
};

describe("OncelyError", () => {
  it("is a TRPCClientError that keeps the server's error and adds what a retrying caller needs", () => {
    const error = callError(outcome);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect(error).toBeInstanceOf(OncelyError);
    expect(isOncelyError(error)).toBe(true);
    expect(isOncelyError(answered)).toBe(false);
    expect(error.data).toEqual(answered.data);
    expect(error.shape).toEqual(answered.shape);
    expect(error.cause).toBe(answered);
    expect(error).toMatchObject({
      name: "OncelyError",
      code: "server_error",
      httpStatus: 404,
      serverCode: "account_not_found",
      key: "k-1",
      attempts: 1,
      retryable: false,
      message: "No account",
    });
  });

  it("names why the call ended: abort, then empty budget, then timeout, then the answer", () => {
    expect(callError({ ...outcome, aborted: true, budgetExhausted: true, timedOut: true }).code).toBe("aborted");
    expect(callError({ ...outcome, budgetExhausted: true, timedOut: true }).code).toBe("retry_budget_exhausted");
    expect(callError({ ...outcome, timedOut: true })).toMatchObject({ code: "timeout", retryable: true });
    const noAnswer = new TRPCClientError("fetch failed", { cause: new TypeError("fetch failed") });
    expect(callError({ ...outcome, cause: noAnswer, retryable: true })).toMatchObject({
      code: "network_error",
      httpStatus: undefined,
      retryable: true,
    });
  });

  it("says an aborted call is not for automatic retry, whatever its last failure", () => {
    expect(callError({ ...outcome, aborted: true, retryable: true }).retryable).toBe(false);
  });
});
