// What the key inspector needs to tell the app's attempts apart from the browser's own
// resends. The page's fetch names every SDK attempt with a fresh X-Request-Id; a browser that
// silently resends an attempt (it does when a kept-alive connection closes before any answer)
// sends the same id again. Counted here, as requests with a key pass through the route
// handler, in this process's memory: after a restart the inspector shows the server's totals only.

export interface Deliveries {
  /** Distinct attempts the app sent with this key (requests without an id count one each). */
  attempts: number;
  /** Requests that repeated an attempt already seen: the browser's own resends. */
  resends: number;
}

interface Tally {
  requestIds: Set<string>;
  anonymous: number;
  resends: number;
}

const MAX_KEYS = 5_000;
const MAX_IDS_PER_KEY = 100;
const processWide = globalThis as { __oncelyDeliveries?: Map<string, Tally> };
processWide.__oncelyDeliveries ??= new Map();
const tallies = processWide.__oncelyDeliveries;

const id = (principal: string, key: string) => `${principal}\u0000${key}`;

/** Counts one request carrying `key` (and the attempt's X-Request-Id, if it has one). */
export function recordDelivery(principal: string, key: string, requestId: string | null): void {
  let tally = tallies.get(id(principal, key));
  if (!tally) {
    // The oldest key goes first (a Map keeps insertion order).
    if (tallies.size >= MAX_KEYS) tallies.delete(tallies.keys().next().value ?? "");
    tally = { requestIds: new Set(), anonymous: 0, resends: 0 };
    tallies.set(id(principal, key), tally);
  }
  if (!requestId) tally.anonymous += 1;
  else if (tally.requestIds.has(requestId)) tally.resends += 1;
  else if (tally.requestIds.size < MAX_IDS_PER_KEY) tally.requestIds.add(requestId);
  else tally.anonymous += 1;
}

/** What this process saw of `key`, if it saw it at all. */
export function deliveriesOf(principal: string, key: string): Deliveries | null {
  const tally = tallies.get(id(principal, key));
  if (!tally) return null;
  return { attempts: tally.requestIds.size + tally.anonymous, resends: tally.resends };
}
