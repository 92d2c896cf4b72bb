"use client";

import type { AttemptEvent } from "@oncely/sdk";
import { useIdempotentMutation } from "@oncely/sdk/react";
import { useQueryClient } from "@tanstack/react-query";
import type { TRPCClientErrorLike } from "@trpc/client";
import type { DecorateMutationProcedure, ResolverDef } from "@trpc/tanstack-react-query";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { useTRPC } from "../../trpc/react";
import { useActingPrincipal } from "./session-context";

export interface TimelineMutationOptions<TInput, TOutput, TError> {
  /**
   * sessionStorage name for the operation's key while its outcome is unknown, so a reload
   * resumes it (see the SDK's hook). Kept per principal: another principal never resumes it.
   */
  persistAs?: string;
  onSuccess?: (data: TOutput) => void;
  onError?: (error: TError, input: TInput) => void;
}

/**
 * `useIdempotentMutation` (one key per logical operation while its outcome is unknown; double
 * submits join; a final answer ends it) plus what the page shows about it: every failed
 * attempt as it happens, and a refresh of the server-rendered page once it succeeded.
 */
export function useTimelineMutation<TDef extends ResolverDef>(
  procedure: DecorateMutationProcedure<TDef>,
  options: TimelineMutationOptions<TDef["input"], TDef["output"], TRPCClientErrorLike<TDef>> = {},
) {
  const router = useRouter();
  const trpc = useTRPC();
  const principal = useActingPrincipal();
  const queryClient = useQueryClient();
  const [attempts, setAttempts] = useState<AttemptEvent[]>([]);
  const [refreshing, startRefresh] = useTransition();
  // Each attempt may use up a chaos fault: keep the chaos panel's counters current.
  const refreshChaos = () => void queryClient.invalidateQueries(trpc.chaos.pathFilter());

  const mutation = useIdempotentMutation(procedure, {
    persistAs: options.persistAs ? `${options.persistAs}@${principal}` : undefined,
    onAttempt: (event) => {
      setAttempts((earlier) => [...earlier, event]);
      refreshChaos();
    },
    onSuccess: (data) => {
      options.onSuccess?.(data);
      startRefresh(() => router.refresh());
    },
    onError: (error, input) => options.onError?.(error, input),
    onSettled: refreshChaos,
  });

  /** Sends `input` as this operation (a second call while one is running joins it). */
  const submit = (input: TDef["input"]) => {
    if (!mutation.isPending) setAttempts([]);
    mutation.mutate(input);
  };

  /** Starts over: forgets the key, the answer and the timeline. */
  const startOver = () => {
    setAttempts([]);
    mutation.reset();
  };

  return { ...mutation, attempts, refreshing, submit, startOver };
}

export type TimelineMutation = ReturnType<typeof useTimelineMutation>;
