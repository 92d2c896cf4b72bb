"use client";

import type { ChaosSettings } from "@oncely/api";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { describeError } from "../../lib/errorText";
import { useTRPC } from "../../trpc/react";

const FIELDS = [
  {
    name: "failBeforeCommit",
    label: "Fail before commit",
    hint: "503 with Retry-After: 1; the transaction rolls back, nothing is saved",
    unit: "next requests",
    max: 20,
    step: 1,
  },
  {
    name: "dropResponses",
    label: "Drop the answer after commit",
    hint: "the work is saved, then the connection drops before the answer",
    unit: "next requests",
    max: 20,
    step: 1,
  },
  {
    name: "latencyMs",
    label: "Add latency",
    hint: "every request waits this long, until set back to 0",
    unit: "ms",
    max: 10_000,
    step: 100,
  },
] as const satisfies readonly { name: keyof ChaosSettings; [k: string]: unknown }[];

const isArmed = (s: ChaosSettings) => s.failBeforeCommit > 0 || s.dropResponses > 0 || s.latencyMs > 0;

/** "Armed: the next request fails before it is saved; …" or "Off: requests run normally." */
export function describeChaos(settings: ChaosSettings): string {
  const parts: string[] = [];
  const fail = settings.failBeforeCommit;
  const drop = settings.dropResponses;
  if (fail === 1) parts.push("the next request fails before it is saved");
  if (fail > 1) parts.push(`the next ${fail} requests fail before they are saved`);
  if (drop === 1) parts.push("the answer to the next request is dropped after it is saved");
  if (drop > 1) parts.push(`the answers to the next ${drop} requests are dropped after they are saved`);
  if (settings.latencyMs > 0) parts.push(`every request waits ${settings.latencyMs.toLocaleString("en-US")} ms`);
  return parts.length === 0 ? "Off: requests run normally." : `Armed: ${parts.join("; ")}.`;
}

/**
 * The demo's chaos panel, as a drawer opened from the top bar (closed by default; the button
 * says when faults are armed). Faults are injected by the server (packages/api/src/demo/chaos.ts)
 * into your own next mutations; the browser fakes nothing. The inputs always show what the
 * server has armed. Rendered only in demo mode, and the API refuses it otherwise.
 */
export function ChaosDrawer({ initial }: { initial: ChaosSettings }) {
  const trpc = useTRPC();
  const ids = useId();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const toggle = useRef<HTMLButtonElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const chaos = useQuery({ ...trpc.chaos.get.queryOptions(), initialData: initial });
  const apply = useMutation(
    trpc.chaos.set.mutationOptions({
      onSuccess: (settings) => queryClient.setQueryData(trpc.chaos.get.queryKey(), settings),
    }),
  );
  const settings = chaos.data;
  const armed = isArmed(settings);
  // A server render (a refresh, or another principal) brings the current settings.
  useEffect(() => {
    queryClient.setQueryData(trpc.chaos.get.queryKey(), initial);
  }, [initial, queryClient, trpc]);

  useEffect(() => {
    if (!open) return;
    heading.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      setOpen(false);
      toggle.current?.focus();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [open]);

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

  const close = () => {
    setOpen(false);
    toggle.current?.focus();
  };

  return (
    <>
      <button
        ref={toggle}
        type="button"
        className={`chaos-toggle ${armed ? "chaos-toggle-armed" : ""}`}
        aria-expanded={open}
        aria-controls={`${ids}-drawer`}
        onClick={() => setOpen((was) => !was)}
      >
        Chaos{" "}
        {armed ? (
          <span className="badge badge-armed" data-testid="chaos-armed">
            armed
          </span>
        ) : null}
      </button>
      <aside
        id={`${ids}-drawer`}
        className={`drawer chaos ${armed ? "chaos-armed" : ""}`}
        hidden={!open}
        aria-labelledby={`${ids}-heading`}
      >
        <div className="drawer-head">
          <h2 id={`${ids}-heading`} ref={heading} tabIndex={-1}>
            Chaos panel <span className="badge badge-demo">demo</span>
          </h2>
          <button type="button" className="secondary" onClick={close}>
            Close
          </button>
        </div>
        <p className="chaos-state" role="status" data-testid="chaos-state">
          {describeChaos(settings)}
        </p>
        <form
          key={JSON.stringify(settings)}
          className="chaos-form"
          onSubmit={onSubmit}
          aria-describedby={`${ids}-about`}
        >
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
                  defaultValue={settings[field.name]}
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
          The server injects these into your own next create-order, pay, refund, transfer and shipping requests; counts
          go down as faults fire.
        </p>
        {apply.isError ? (
          <p className="status status-error" role="alert">
            {describeError(apply.error)}
          </p>
        ) : null}
      </aside>
    </>
  );
}
