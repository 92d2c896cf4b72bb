// One way to write a moment everywhere: "Nov 29, 2026, 16:32:19 GMT+1", in the viewer's time
// zone with the zone shown (see LocalTime, which formats in the browser).

export const DATE_TIME_FORMAT: Intl.DateTimeFormatOptions = {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
  timeZoneName: "short",
};

const formatters = new Map<string, Intl.DateTimeFormat>();

/** `iso` in `timeZone` (an IANA name; UTC where the viewer's zone is not known yet). */
export function formatDateTime(iso: string, timeZone = "UTC"): string {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", { ...DATE_TIME_FORMAT, timeZone });
    formatters.set(timeZone, formatter);
  }
  return formatter.format(new Date(iso));
}
