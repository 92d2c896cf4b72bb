"use client";

import { useLinkStatus } from "next/link";

/** Inside a Link: a small spinner while the page it leads to is on its way. */
export function LinkPending() {
  const { pending } = useLinkStatus();
  return pending ? <span className="spinner spinner-small" role="status" aria-label="Loading" /> : null;
}
