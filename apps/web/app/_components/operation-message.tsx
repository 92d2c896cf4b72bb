"use client";

import { type ReactNode, useEffect, useRef } from "react";

/**
 * How an operation ended, in words. Errors are alerts (read out at once); the rest is a
 * polite status. Always rendered, so screen readers already watch the region when it fills;
 * when it fills after a submit, focus moves to it, so keyboard and screen-reader users land
 * on the result.
 */
export function OperationMessage({ error, children }: { error?: string | null; children?: ReactNode }) {
  const alertRef = useRef<HTMLParagraphElement>(null);
  const statusRef = useRef<HTMLParagraphElement>(null);
  const filled = error ? "error" : children ? "status" : null;
  // What was there at the first render is the page's state, not a result: no focus for it.
  const shown = useRef(filled);
  useEffect(() => {
    if (shown.current === filled) return;
    shown.current = filled;
    const target = filled === "error" ? alertRef.current : filled === "status" ? statusRef.current : null;
    // Only from the form that was used (or from nowhere, as when its button got disabled):
    // never pull focus away from something else the person went on to do.
    const active = document.activeElement;
    if (target && (active === document.body || target.closest("section, form")?.contains(active))) target.focus();
  }, [filled]);
  return (
    <>
      <p className="status status-error" role="alert" ref={alertRef} tabIndex={-1}>
        {error ?? null}
      </p>
      {error ? null : (
        <p className="status status-ok" role="status" ref={statusRef} tabIndex={-1}>
          {children ?? null}
        </p>
      )}
    </>
  );
}
