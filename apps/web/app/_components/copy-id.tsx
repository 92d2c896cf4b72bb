"use client";

import { useEffect, useId, useState } from "react";

/**
 * An id with a button that copies it in full. `label` names it for screen readers ("order id").
 * `short` shows its first 8 characters (the whole id in the tooltip), for dense tables.
 */
export function CopyId({ id, label, short = false }: { id: string; label: string; short?: boolean }) {
  const codeId = useId();
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 2_000);
    return () => clearTimeout(timer);
  }, [copied]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(id);
      setCopied(true);
    } catch {
      // No clipboard (an insecure origin, or denied): select the text for a manual copy.
      const code = document.getElementById(codeId);
      if (code && !short) window.getSelection()?.selectAllChildren(code);
    }
  }

  return (
    <span className="copy-id">
      <code id={codeId} className="full-id" title={short ? id : undefined}>
        {short ? id.slice(0, 8) : id}
      </code>
      <button type="button" className="copy" onClick={copy} aria-label={`Copy the ${label}`}>
        {copied ? "Copied" : "Copy"}
      </button>
      <span className="visually-hidden" aria-live="polite">
        {copied ? `The ${label} is copied.` : ""}
      </span>
    </span>
  );
}
