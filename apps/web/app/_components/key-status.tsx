/** A key's state in words: "Done (200)", "Refused (422)" or "Running". */
export function KeyStatus({ status, responseStatus }: { status: string; responseStatus: number | null }) {
  if (status !== "completed") return <span className="badge badge-in_progress">Running</span>;
  const ok = responseStatus !== null && responseStatus < 400;
  return (
    <span className={`badge ${ok ? "badge-completed" : "badge-refused"}`}>
      {ok ? "Done" : "Refused"} ({responseStatus ?? "?"})
    </span>
  );
}
