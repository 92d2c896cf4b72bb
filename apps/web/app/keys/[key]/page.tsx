import { TRPCError } from "@trpc/server";
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { formatDateTime } from "../../../lib/dates";
import { currentSession } from "../../../server/principal";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Idempotency key" };

/** The stored body, indented when it is JSON (it is sent byte for byte as stored). */
function prettyBody(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

export default async function KeyPage({ params }: PageProps<"/keys/[key]">) {
  const key = decodeURIComponent((await params).key);
  const { caller } = await currentSession();
  const detail = await caller.idempotency.get({ key }).catch((error: unknown) => {
    if (error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST")) notFound();
    throw error;
  });

  return (
    <>
      <p className="breadcrumb">
        <Link href="/keys">Idempotency keys</Link> / <code>{detail.key.slice(0, 13)}</code>
      </p>
      <h1>Idempotency key</h1>
      <dl className="facts card summary">
        <dt>Key</dt>
        <dd>
          <code>{detail.key}</code>
        </dd>
        <dt>Operation</dt>
        <dd>
          <code>{detail.path}</code>
        </dd>
        <dt>Status</dt>
        <dd>
          <span className={`badge badge-${detail.status}`}>{detail.status.replace("_", " ")}</span>
        </dd>
        <dt>Answer status</dt>
        <dd>{detail.responseStatus ?? "—"}</dd>
        <dt>Replays</dt>
        <dd>
          {detail.replays}
          {detail.lastReplayedAt ? ` (last ${formatDateTime(detail.lastReplayedAt)})` : ""}
        </dd>
        <dt>Created</dt>
        <dd>{formatDateTime(detail.createdAt)}</dd>
        <dt>Expires</dt>
        <dd>{formatDateTime(detail.expiresAt)}</dd>
      </dl>
      <section aria-labelledby="answer-heading">
        <h2 id="answer-heading">Stored answer</h2>
        <p className="muted">
          What every request with this key gets back, byte for byte, until the key expires (indented here for reading).
        </p>
        {detail.responseBody === null ? (
          <p className="card muted">No answer stored yet: the first request is still running.</p>
        ) : (
          <pre className="card stored-answer" data-testid="stored-answer">
            {prettyBody(detail.responseBody)}
          </pre>
        )}
      </section>
    </>
  );
}
