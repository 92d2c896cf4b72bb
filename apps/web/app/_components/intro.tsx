"use client";

import { useState } from "react";
import { INTRO_COOKIE } from "../../lib/intro";

/** The first visit's short answer to "what is an idempotency key, and why". */
export function Intro() {
  const [open, setOpen] = useState(true);
  if (!open) return null;
  function dismiss() {
    // biome-ignore lint/suspicious/noDocumentCookie: a preference the server reads; no secret
    document.cookie = `${INTRO_COOKIE}=hidden; path=/; max-age=31536000; samesite=lax`;
    setOpen(false);
  }
  return (
    <section className="card intro" aria-labelledby="intro-heading">
      <div className="intro-head">
        <h2 id="intro-heading">What is an idempotency key, and why?</h2>
        <button type="button" className="secondary" onClick={dismiss}>
          Got it, hide this
        </button>
      </div>
      <p>
        Networks fail. When a request to pay gets no answer, the app cannot know whether the payment happened, so it has
        to send it again. Without care, that charges twice.
      </p>
      <p>
        So every payment, refund, order and transfer here carries an <strong>idempotency key</strong>: a random id made
        once per operation and sent with every retry of it. The server does the work once and stores the answer under
        the key; a retry with the same key gets that stored answer back (marked <em>replayed</em>) instead of doing it
        again.
      </p>
      <p>
        Try it: open the <strong>Chaos</strong> panel at the top, drop an answer, then pay an order. The page retries,
        the server replays, and the money moves exactly once. Every key is in the <a href="/keys">key inspector</a>.
      </p>
    </section>
  );
}
