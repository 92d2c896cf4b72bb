"use client";

import { useSyncExternalStore } from "react";
import { formatDateTime } from "../../lib/dates";

const neverChanges = () => () => {};
const viewerZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;
const serverZone = () => "UTC";

/**
 * A moment in the viewer's time zone, zone shown ("Nov 29, 2026, 16:32:19 GMT+1"). The server
 * renders it in UTC; the browser shows its own zone from the first paint after hydration.
 */
export function LocalTime({ iso }: { iso: string }) {
  const timeZone = useSyncExternalStore(neverChanges, viewerZone, serverZone);
  return <time dateTime={iso}>{formatDateTime(iso, timeZone)}</time>;
}
