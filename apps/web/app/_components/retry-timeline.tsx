"use client";

import { type AttemptEvent, type CallMeta, isOncelyError } from "@oncely/sdk";
import type { ReactNode } from "react";
import { describeAttemptFailure } from "../../lib/errorText";

/** What the timeline reads of an operation: the state `useTimelineMutation` returns. */
export interface TimelineOperation {
  idempotencyKey: string | undefined;
  attempts: AttemptEvent[];
  isPending: boolean;
  /** Key, attempts and `replayed` of the successful call. */
  meta: CallMeta | undefined;
  isSuccess: boolean;
  /** The error the call ended with, once it failed. */
  error: unknown;
}

export interface RetryTimelineProps {
  /** What the operation is called in sentences ("Payment", "Refund"). */
  label: string;
  operation: TimelineOperation;
}

/**
 * The live retry timeline: each failed attempt as it happens (n, key, why, wait in ms), the
 * attempt in flight, and how it ended, with a "replayed" mark when the answer came from the
 * server's key store. A log region: screen readers announce new lines politely.
 */
export function RetryTimeline(props: RetryTimelineProps) {
  const { label, operation } = props;
  const { idempotencyKey, attempts, meta, error } = operation;
  const pending = operation.isPending;
  const succeeded = operation.isSuccess;
  const failed = error !== null && error !== undefined;
  const started = attempts.length > 0 || pending || succeeded || failed;
  const name = label.toLowerCase();
  if (!started) {
    // Only a key kept in sessionStorage from before a reload (the SDK hook's `persistAs`).
    return idempotencyKey ? (
      <p className="timeline-resume" data-testid="resume-notice">
        Kept from before the page was reloaded: {name} key <code>{idempotencyKey}</code>. Sending the same {name} again
        finishes that operation instead of starting a second one.
      </p>
    ) : null;
  }
  const next = attempts.length + 1;

  return (
    <div className="timeline">
      <p className="timeline-key">
        {label} key <code data-testid="operation-key">{idempotencyKey ?? "…"}</code>
      </p>
      <ol className="timeline-steps" role="log" aria-live="polite" aria-label={`${label} attempts`}>
        {attempts.map((event) => (
          <TimelineStep key={event.attempt} n={event.attempt} attemptKey={event.key} tone="failed">
            Failed: {describeAttemptFailure(event.error)}.{" "}
            <span className="timeline-wait">Retrying in {Math.round(event.delayMs)} ms with the same key…</span>
          </TimelineStep>
        ))}
        {pending ? (
          <TimelineStep n={next} attemptKey={idempotencyKey} tone="pending">
            In flight…
          </TimelineStep>
        ) : null}
        {succeeded && meta ? (
          <TimelineStep n={meta.attempts} attemptKey={meta.key} tone="ok">
            {meta.replayed ? (
              <>
                Answered from the key store <span className="badge badge-replayed">replayed</span>{" "}
                <span className="timeline-wait">It had already happened once; nothing happened twice.</span>
              </>
            ) : (
              "Done: the server did it now."
            )}
          </TimelineStep>
        ) : null}
        {failed ? (
          <TimelineStep n={next} attemptKey={idempotencyKey} tone="failed">
            {isOncelyError(error) && error.retryable ? "Failed" : "Answered"}: {describeAttemptFailure(error)}.{" "}
            <span className="timeline-wait">
              {isOncelyError(error) && error.retryable
                ? "Stopped retrying; sending it again reuses the same key."
                : "A final answer: not retried."}
            </span>
          </TimelineStep>
        ) : null}
      </ol>
    </div>
  );
}

function TimelineStep(props: {
  n: number;
  attemptKey: string | undefined;
  tone: "failed" | "pending" | "ok";
  children: ReactNode;
}) {
  return (
    <li className={`timeline-step timeline-step-${props.tone}`}>
      <span className="timeline-n">Attempt {props.n}</span>
      <code className="timeline-short-key" title={props.attemptKey}>
        {props.attemptKey?.slice(0, 8)}
      </code>
      <span className="timeline-text">{props.children}</span>
    </li>
  );
}

/** " after n attempts" and a "replayed" badge, for the line that reports a finished operation. */
export function AttemptSummary({ meta }: { meta: CallMeta | undefined }) {
  return (
    <>
      {meta && meta.attempts > 1 ? ` after ${meta.attempts} attempts` : null}
      {meta?.replayed ? <span className="badge badge-replayed">replayed</span> : null}
    </>
  );
}
