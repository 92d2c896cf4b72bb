import { type UseMutationOptions, type UseMutationResult, useMutation } from "@tanstack/react-query";
import type { TRPCClientErrorLike } from "@trpc/client";
import type { DecorateMutationProcedure, ResolverDef, TRPCQueryBaseOptions } from "@trpc/tanstack-react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import type { AttemptEvent, CallMeta } from "../callMeta";
import { REPLAYED_HEADER } from "../constants";
import { isOncelyError, responseHeadersOf } from "../errors";
import "../operationContext";
import { createOperationKeys, type OperationKeyStorage, outcomeIsUnknown } from "./operationKeys";

export interface UseIdempotentMutationOptions<TInput, TOutput, TError, TOnMutateResult = unknown>
  extends Omit<UseMutationOptions<TOutput, TError, TInput, TOnMutateResult>, "mutationFn" | "mutationKey" | "retry">,
    TRPCQueryBaseOptions {
  /** Persist the current operation in sessionStorage under this name: a reload resumes it. */
  persistAs?: string;
  /** Storage for `persistAs` (default `sessionStorage`). */
  storage?: OperationKeyStorage;
  /** Called for each failed attempt that will be retried (also kept in `lastAttempt`). */
  onAttempt?: (event: AttemptEvent) => void;
}

export type UseIdempotentMutationResult<TInput, TOutput, TError, TOnMutateResult = unknown> = UseMutationResult<
  TOutput,
  TError,
  TInput,
  TOnMutateResult
> & {
  /**
   * The key of the operation in flight, or of the last one (shown until the next submit; after
   * a final answer that submit gets a new key). Undefined before the first submit, unless a
   * key was persisted by an operation whose outcome is still unknown.
   */
  idempotencyKey: string | undefined;
  /** The latest retry report of the running call: "attempt n failed, waiting m ms". */
  lastAttempt: AttemptEvent | undefined;
  /**
   * Key, attempts and `replayed` of the last call that got a final answer: a success, or a
   * refusal (`replayed` is true when that refusal came from the server's key store too).
   */
  meta: CallMeta | undefined;
  /** Clears the mutation state and forgets the key: the next submit is a new operation. */
  reset: () => void;
};

/**
 * `useMutation` for a tRPC mutation that keeps one idempotency key per logical operation, for
 * as long as its outcome is unknown: double submits while a call is pending join it (one
 * request, and TanStack's callbacks run once: a joined submit's own per-call callbacks do not
 * run); after no answer, a timeout, a 5xx, a 409 "in progress" or a 429, a resubmit of the
 * same input reuses the key (the server replays instead of acting twice). A final answer (a
 * success, or a refusal the server stored) ends the operation: the next submit is a new one
 * with a new key. New input and `reset()` start a new operation too. With `persistAs`, a page
 * reload resumes an operation whose outcome is unknown.
 * Use it with a client from `createOncelyClient` (it does the retries; TanStack's own
 * `retry` stays off).
 *
 * ```tsx
 * const trpc = useTRPC();
 * const pay = useIdempotentMutation(trpc.orders.create, { persistAs: "checkout" });
 * <button onClick={() => pay.mutate(input)} disabled={pay.isPending}>Pay</button>
 * ```
 */
export function useIdempotentMutation<TDef extends ResolverDef, TOnMutateResult = unknown>(
  procedure: DecorateMutationProcedure<TDef>,
  options: UseIdempotentMutationOptions<TDef["input"], TDef["output"], TRPCClientErrorLike<TDef>, TOnMutateResult> = {},
): UseIdempotentMutationResult<TDef["input"], TDef["output"], TRPCClientErrorLike<TDef>, TOnMutateResult> {
  const { persistAs, storage, onAttempt, trpc, ...mutationOptions } = options;
  const [keys] = useState(() => createOperationKeys({ persistAs, storage }));
  const [idempotencyKey, setIdempotencyKey] = useState<string | undefined>();
  const [lastAttempt, setLastAttempt] = useState<AttemptEvent | undefined>();
  const [meta, setMeta] = useState<CallMeta | undefined>();
  const latest = useRef({ onAttempt, trpc });
  latest.current = { onAttempt, trpc };

  // A persisted key shows only after mount, so server and first client render agree.
  useEffect(() => setIdempotencyKey(keys.current), [keys]);

  const mutation = useMutation<TDef["output"], TRPCClientErrorLike<TDef>, TDef["input"], TOnMutateResult>({
    ...procedure.mutationOptions<TOnMutateResult>({ ...mutationOptions, trpc }),
    retry: false,
    // Reached once per operation in flight: mutateAsync below joins double submits first.
    mutationFn: (input, functionContext) => {
      const key = keys.keyFor(input);
      setIdempotencyKey(key);
      setLastAttempt(undefined);
      setMeta(undefined);
      const { trpc: trpcOptions } = latest.current;
      const { mutationFn } = procedure.mutationOptions({
        trpc: {
          ...trpcOptions,
          context: {
            ...trpcOptions?.context,
            idempotencyKey: key,
            onAttempt: (event) => {
              setLastAttempt(event);
              latest.current.onAttempt?.(event);
            },
            onMeta: setMeta,
          },
        },
      });
      if (!mutationFn) throw new Error("useIdempotentMutation: the procedure gave no mutationFn");
      return mutationFn(input, functionContext);
    },
  });

  // A double submit joins the running operation (keys.run) before TanStack sees it: TanStack
  // would start a second execution and run onMutate, onSuccess, onError and onSettled once per
  // submit (two toasts, two navigations).
  const { mutateAsync: startMutation, reset: resetMutation } = mutation;
  const mutateAsync = useCallback<typeof startMutation>(
    (...args) =>
      keys.run(args[0], () =>
        startMutation(...args).catch((error: unknown) => {
          // A final refusal is an answer too: say whether it came from the key store.
          if (isOncelyError(error) && !outcomeIsUnknown(error)) setMeta(refusalMeta(error));
          throw error;
        }),
      ),
    [keys, startMutation],
  );
  // As TanStack's own `mutate`: fire and forget, errors go to the callbacks and `error`.
  const mutate = useCallback<typeof mutation.mutate>(
    (...args) => void mutateAsync(...args).catch(() => {}),
    [mutateAsync],
  );

  const reset = useCallback(() => {
    keys.reset();
    setIdempotencyKey(undefined);
    setLastAttempt(undefined);
    setMeta(undefined);
    resetMutation();
  }, [keys, resetMutation]);

  return { ...mutation, mutate, mutateAsync, idempotencyKey, lastAttempt, meta, reset };
}

/** The meta of a call that ended with a final refusal (e.g. a stored insufficient funds). */
function refusalMeta(error: { key: string | undefined; attempts: number }): CallMeta {
  return {
    key: error.key,
    attempts: error.attempts,
    replayed: responseHeadersOf(error)?.get(REPLAYED_HEADER) === "true",
  };
}
