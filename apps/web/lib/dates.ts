const dateTime = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "medium" });
const shortDateTime = new Intl.DateTimeFormat("en-US", {
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

/** "Jan 5, 2026, 3:04:05 PM" (server components only: the server's time zone). */
export function formatDateTime(iso: string): string {
  return dateTime.format(new Date(iso));
}

/** "Jan 5, 03:04:05 PM", for dense tables. */
export function formatShortDateTime(iso: string): string {
  return shortDateTime.format(new Date(iso));
}
