// Keyset pagination in the address bar. `at` lists the cursors that led to the current page
// ("c1.c2": page 3), so "Newer" can go back without offset queries. Cursors (UUIDs, base64url
// and digits) never contain a dot.

const MAX_TRAIL = 200;

export type SearchParams = Record<string, string | string[] | undefined>;

/** A single query value (the first if repeated), trimmed; undefined when empty. */
export function param(params: SearchParams, name: string): string | undefined {
  const value = params[name];
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  return text ? text : undefined;
}

/** The cursors that led to this page. */
export function trailOf(params: SearchParams): string[] {
  const at = param(params, "at");
  if (!at) return [];
  return at
    .split(".")
    .filter((c) => /^[A-Za-z0-9_-]{1,600}$/.test(c))
    .slice(0, MAX_TRAIL);
}

/** `path?…` with `keep` (filters) and the trail; empty values are left out. */
export function pageHref(path: string, keep: Record<string, string | undefined>, trail: string[]): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(keep)) if (value) query.set(name, value);
  if (trail.length > 0) query.set("at", trail.join("."));
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}
