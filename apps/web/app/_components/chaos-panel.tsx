"use client";

import type { ChaosSettings } from "@oncely/api";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useId } from "react";
import { describeError } from "../../lib/errorText";
import { useTRPC } from "../../trpc/react";

const FIELDS = [
  {
    name: "failBeforeCommit",
    label: "Fail before commit",
    hint: "503 with Retry-After: 1; the transaction rolls back",
    unit: "next requests",
    max: 20,
    step: 1,
  },
  {
    name: "dropResponses",
    label: "Drop the answer after commit",
    hint: "the connection drops once the work is saved",
    unit: "next requests",
    max: 20,
    step: 1,
  },
  {
    name: "latencyMs",
    label: "Add latency",
    hint: "on every request until set back to 0",
    unit: "ms",
    max: 10_000,
    step: 100,
  },
] as const satisfies readonly { name: keyof ChaosSettings; [k: string]: unknown }[];

/** "Armed: the next 2 requests fail before commit · …" or "Off". */
function describeChaos(settings: ChaosSettings): string {
  const parts: string[] = [];
  const requests = (n: number) => (n === 1 ? "the next request" : `the next ${n} requests`);
  if (settings.failBeforeCommit > 0) parts.push(`${requests(settings.failBeforeCommit)} fail before commit`);
  if (settings.dropResponses > 0) parts.push(`answers to ${requests(settings.dropResponses)} are dropped`);
  if (settings.latencyMs > 0) parts.push(`every request waits ${settings.latencyMs} ms`);
  return parts.length === 0 ? "Off: requests run normally." : `Armed: ${parts.join("; ")}.`;
}

/**
 * The demo's chaos panel. Faults are injected by the server (packages/api/src/demo/chaos.ts) into
 * your own next mutations (create order, pay, refund, transfer, shipping); the browser fakes
 * nothing. Rendered only in demo mode, and the API refuses it otherwise.
 */
export function ChaosPanel({ initial }: { initial: ChaosSettings }) {
  const trpc = useTRPC();
  const ids = useId();
  const queryClient = useQueryClient();
  const chaos = useQuery({ ...trpc.chaos.get.queryOptions(), initialData: initial });
  const apply = useMutation(
    trpc.chaos.set.mutationOptions({
      onSuccess: (settings) => queryClient.setQueryData(trpc.chaos.get.queryKey(), settings),
    }),
  );
  const settings = chaos.data;
  // A server render (a refresh, or signing in as someone else) brings the current settings.
  useEffect(() => {
    queryClient.setQueryData(trpc.chaos.get.queryKey(), initial);
  }, [initial, queryClient, trpc]);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const read = (name: keyof ChaosSettings, max: number) =>
      Math.min(max, Math.max(0, Math.trunc(Number(data.get(name) ?? 0) || 0)));
    apply.mutate({
      failBeforeCommit: read("failBeforeCommit", 20),
      dropResponses: read("dropResponses", 20),
      latencyMs: read("latencyMs", 10_000),
    });
  }

  const armed = settings.failBeforeCommit > 0 || settings.dropResponses > 0 || settings.latencyMs > 0;

  return (
    <section className={`chaos ${armed ? "chaos-armed" : ""}`} aria-labelledby={`${ids}-heading`}>
      <div className="chaos-head">
        <h2 id={`${ids}-heading`}>
          Chaos panel <span className="badge badge-demo">demo</span>
        </h2>
        <p className="chaos-state" role="status" data-testid="chaos-state">
          {describeChaos(settings)}
        </p>
      </div>
      <form className="chaos-form" onSubmit={onSubmit} aria-describedby={`${ids}-about`}>
        {FIELDS.map((field) => (
          <div className="field" key={field.name}>
            <label htmlFor={`${ids}-${field.name}`}>{field.label}</label>
            <div className="with-unit">
              <input
                id={`${ids}-${field.name}`}
                name={field.name}
                type="number"
                inputMode="numeric"
                min={0}
                max={field.max}
                step={field.step}
                defaultValue={0}
                aria-describedby={`${ids}-${field.name}-hint`}
              />
              <span className="unit">{field.unit}</span>
            </div>
            <span id={`${ids}-${field.name}-hint`} className="hint">
              {field.hint}
            </span>
          </div>
        ))}
        <div className="chaos-actions">
          <button type="submit" disabled={apply.isPending}>
            Arm faults
          </button>
          <button
            type="button"
            className="secondary"
            disabled={apply.isPending || !armed}
            onClick={() => apply.mutate({ failBeforeCommit: 0, dropResponses: 0, latencyMs: 0 })}
          >
            Turn off
          </button>
        </div>
      </form>
      <p id={`${ids}-about`} className="hint">
        Injected by the server into your own next create-order, pay, refund, transfer and shipping requests; counts go
        down as faults fire.
      </p>
      {apply.isError ? (
        <p className="status status-error" role="alert">
          {describeError(apply.error)}
        </p>
      ) : null}
    </section>
  );
}
