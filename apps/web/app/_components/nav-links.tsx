"use client";

import type { Route } from "next";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { LinkPending } from "./link-pending";

const LINKS: { href: Route; label: string }[] = [
  { href: "/", label: "Dashboard" },
  { href: "/orders", label: "Orders" },
  { href: "/transfers", label: "Transfers" },
  { href: "/ledger", label: "Ledger" },
  { href: "/keys", label: "Idempotency keys" },
];

/** The main navigation; the current section is marked for screen readers too. */
export function NavLinks() {
  const pathname = usePathname();
  return (
    <nav aria-label="Main" className="nav">
      {LINKS.map(({ href, label }) => {
        const current = href === "/" ? pathname === "/" : pathname.startsWith(href);
        return (
          <Link key={href} href={href} className="nav-link" aria-current={current ? "page" : undefined}>
            {label}
            <LinkPending />
          </Link>
        );
      })}
    </nav>
  );
}
