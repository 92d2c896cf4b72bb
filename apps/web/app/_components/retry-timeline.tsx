"use client";

import { type AttemptEvent, type CallMeta, isOncelyError, serverCodeOf } from "@oncely/sdk";
import Link from "next/link";
import type { ReactNode } from "react";
import { describeAttemptFailure } from "../../lib/errorText";
import { STORED_REFUSALS } from "../../lib/operations";
import { CopyId } from "./copy-id";

/** What the timeline reads of an operation: the state `useTimelineMutation` returns. */
export interface TimelineOperation {
  idempotencyKey: string | undefined;
  attempts: AttemptEvent[];
  isPending: boolean;
  /** Key, attempts and `replayed` of the call that got a final answer (success or refusal). */
  meta: CallMeta | undefined;
  isSuccess: boolean;
  /** The error the call ended with, once it failed. */
  error: unknown;
}

export interface RetryTimelineProps {
  /** What the operation is called in sentences ("Payment", "Refund"). */
  label: string;
  operation: TimelineOperation;
  /** Hides the notice about a key kept from before a reload (the form shows its own). */
  hideResumeNotice?: boolean;
}

/**
 * The live retry timeline: each failed attempt as it happens (n, why, wait in ms), the
 * attempt in flight, and how it ended, with a "replayed" mark when the answer (a success or
 * a refusal) came from the server's key store. A log region: screen readers announce new
 * lines politely. The key is shown in full; it links to the key inspector once the server
 * holds an answer under it.
 */
export function RetryTimeline(props: RetryTimelineProps) {
  const { label, operation, hideResumeNotice } = props;
  const { idempotencyKey, attempts, meta, error } = operation;
  const pending = operation.isPending;
  const succeeded = operation.isSuccess;
  const failed = error !== null && error !== undefined;
  const started = attempts.length > 0 || pending || succeeded || failed;
  const name = label.toLowerCase();
  if (!started) {
    // Only a key kept in sessionStorage from before a reload (the SDK hook's `persistAs`).
    return idempotencyKey && !hideResumeNotice ? (
      <div className="timeline-resume" data-testid="resume-notice">
        Kept from before the page was reloaded, because its outcome is not known yet: {name} key{" "}
        <CopyId id={idempotencyKey} label={`${name} key`} />. Sending the same {name} again finishes that operation
        instead of starting a second one.
      </div>
    ) : null;
  }
  const next = attempts.length + 1;
  const retryable = isOncelyError(error) && error.retryable;
  const stored = succeeded || (failed && !retryable && STORED_REFUSALS.has(serverCodeOf(error) ?? ""));

  return (
    <div className="timeline">
      <div className="timeline-key">
        {label} key{" "}
        {idempotencyKey ? (
          <>
            <CopyId id={idempotencyKey} label={`${name} key`} />
            {stored && meta ? (
              <>
                {" "}
                <Link href={`/keys/${encodeURIComponent(idempotencyKey)}`}>Open in the key inspector</Link>
              </>
            ) : null}
          </>
        ) : (
          "…"
        )}
        <span className="visually-hidden" data-testid="operation-key">
          {idempotencyKey}
        </span>
      </div>
      <ol className="timeline-steps" role="log" aria-live="polite" aria-label={`${label} attempts`}>
        {attempts.map((event) => (
          <TimelineStep key={event.attempt} n={event.attempt} tone="failed">
            Failed: {describeAttemptFailure(event.error)}.{" "}
            <span className="timeline-wait">Trying again in {Math.round(event.delayMs)} ms with the same key…</span>
          </TimelineStep>
        ))}
        {pending ? (
          <TimelineStep n={next} tone="pending">
            Sent, waiting for the answer…
          </TimelineStep>
        ) : null}
        {succeeded && meta ? (
          <TimelineStep n={meta.attempts} tone="ok">
            {meta.replayed ? (
              <>
                Done by an earlier attempt <Replayed />{" "}
                <span className="timeline-wait">
                  Its answer had been lost; this is the saved one. Nothing ran twice.
                </span>
              </>
            ) : (
              "Done."
            )}
          </TimelineStep>
        ) : null}
        {failed ? (
          <TimelineStep n={meta?.attempts ?? next} tone="failed">
            {retryable ? "Failed" : "Refused"}: {describeAttemptFailure(error)}. {meta?.replayed ? <Replayed /> : null}{" "}
            <span className="timeline-wait">
              {retryable
                ? "Stopped trying; sending it again uses the same key, so it still happens at most once."
                : `A final answer, not retried. Sending it again is a new ${name} with a new key.`}
            </span>
          </TimelineStep>
        ) : null}
      </ol>
    </div>
  );
}

function Replayed() {
  return (
    <span className="badge badge-replayed" title="Answered from the server's key store">
      replayed
    </span>
  );
}

function TimelineStep(props: { n: number; tone: "failed" | "pending" | "ok"; children: ReactNode }) {
  return (
    <li className={`timeline-step timeline-step-${props.tone}`}>
      <span className="timeline-n">Attempt {props.n}</span>
      <span className="timeline-text">{props.children}</span>
    </li>
  );
}

/** " after n attempts", for the line that reports a finished operation. */
export function AttemptSummary({ meta }: { meta: CallMeta | undefined }) {
  return <>{meta && meta.attempts > 1 ? ` after ${meta.attempts} attempts` : null}</>;
}
