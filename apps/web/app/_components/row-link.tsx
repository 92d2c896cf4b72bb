import type { Route } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { LinkPending } from "./link-pending";

/**
 * The link that opens a list row (stretched over the whole row by `.row-link`), then the
 * row's short id (the whole id in the tooltip).
 */
export function RowLink({ href, id, children }: { href: string; id: string; children: ReactNode }) {
  return (
    <>
      <Link href={href as Route} className="row-link">
        {children}
        <LinkPending />
      </Link>{" "}
      <code className="muted" title={id}>
        {id.slice(0, 8)}
      </code>
    </>
  );
}
