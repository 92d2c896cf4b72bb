/** Shown while the next page renders on the server (App Router streams it in). */
export function PageLoading() {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      Loading…
    </div>
  );
}
