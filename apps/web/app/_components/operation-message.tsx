import type { ReactNode } from "react";

/**
 * How an operation ended, in words. Errors are alerts (read out at once); the rest is a
 * polite status. Always rendered, so screen readers already watch the region when it fills.
 */
export function OperationMessage({ error, children }: { error?: string | null; children?: ReactNode }) {
  return (
    <>
      <p className="status status-error" role="alert">
        {error ?? null}
      </p>
      {error ? null : (
        <p className="status status-ok" role="status">
          {children ?? null}
        </p>
      )}
    </>
  );
}
