import type { Route } from "next";
import Link from "next/link";
import { pageHref } from "../../lib/pages";

/**
 * "Newer" and "Older" links for a keyset-paginated list. `trail` is the cursors that led to
 * this page; `nextCursor` is the API's (null on the last page).
 */
export function Pager(props: {
  path: string;
  keep?: Record<string, string | undefined>;
  trail: string[];
  nextCursor: string | null;
  label: string;
}) {
  const { path, keep = {}, trail, nextCursor, label } = props;
  if (trail.length === 0 && !nextCursor) return null;
  const href = (cursors: string[]) => pageHref(path, keep, cursors) as Route;
  return (
    <nav className="pager" aria-label={`${label} pages`}>
      {trail.length > 0 ? (
        <>
          <Link href={href([])}>Newest</Link>
          <Link href={href(trail.slice(0, -1))} rel="prev">
            ← Newer
          </Link>
        </>
      ) : null}
      <span className="muted">Page {trail.length + 1}</span>
      {nextCursor ? (
        <Link href={href([...trail, nextCursor])} rel="next">
          Older →
        </Link>
      ) : null}
    </nav>
  );
}
