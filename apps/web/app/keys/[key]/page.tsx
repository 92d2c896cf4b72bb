import type { ServerCaller } from "@oncely/api";
import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { operationName } from "../../../lib/operations";
import { deliveriesOf } from "../../../server/deliveries";
import { orNotFound } from "../../../server/missing";
import { requireSession } from "../../../server/principal";
import { CopyId } from "../../_components/copy-id";
import { KeyStatus } from "../../_components/key-status";
import { LocalTime } from "../../_components/local-time";

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

/** A link to what a successful answer produced: the order, payment, refund or transfer. */
async function produced(caller: ServerCaller, path: string, body: string): Promise<ReactNode> {
  let data: { id?: unknown; orderId?: unknown; paymentId?: unknown; description?: unknown };
  try {
    data = JSON.parse(body);
  } catch {
    return null;
  }
  const id = typeof data.id === "string" ? data.id : undefined;
  const short = (value: string) => <code>{value.slice(0, 8)}</code>;
  switch (path) {
    case "orders.create":
    case "orders.updateShipping":
      return id ? <Link href={`/orders/${id}`}>Order {short(id)}</Link> : null;
    case "payments.create":
      return typeof data.orderId === "string" && id ? (
        <Link href={`/orders/${data.orderId}`}>
          Payment {short(id)} of order {short(data.orderId)}
        </Link>
      ) : null;
    case "refunds.create": {
      if (!id || typeof data.paymentId !== "string") return null;
      const payment = await caller.payments.get({ paymentId: data.paymentId }).catch(() => null);
      return payment ? (
        <Link href={`/orders/${payment.orderId}`}>
          Refund {short(id)} of order {short(payment.orderId)}
        </Link>
      ) : (
        <>Refund {short(id)}</>
      );
    }
    case "transfers.create":
      return id ? <Link href={`/transfers/${id}`}>Transfer {short(id)}</Link> : null;
    default:
      return null;
  }
}

export default async function KeyPage({ params }: PageProps<"/keys/[key]">) {
  const key = decodeURIComponent((await params).key);
  const { caller, principal } = await requireSession();
  const detail = await orNotFound(caller.idempotency.get({ key }));
  const ok = detail.responseStatus !== null && detail.responseStatus < 400;
  const result = ok && detail.responseBody ? await produced(caller, detail.path, detail.responseBody) : null;
  const seen = deliveriesOf(principal, detail.key);

  return (
    <>
      <p className="breadcrumb">
        <Link href="/keys">Idempotency keys</Link> / <code>{detail.key.slice(0, 13)}</code>
      </p>
      <h1>Idempotency key</h1>
      <dl className="facts card summary">
        <dt>Key</dt>
        <dd>
          <CopyId id={detail.key} label="key" />
        </dd>
        <dt>Operation</dt>
        <dd>
          {operationName(detail.path)} <code className="muted">{detail.path}</code>
        </dd>
        <dt>Status</dt>
        <dd>
          <KeyStatus status={detail.status} responseStatus={detail.responseStatus} />
        </dd>
        <dt>Produced</dt>
        <dd data-testid="produced">{result ?? <span className="muted">nothing (see the stored answer)</span>}</dd>
        <dt>Requests</dt>
        <dd data-testid="requests">
          {seen ? (
            <>
              {plural(seen.attempts, "attempt")} by the app
              {seen.resends > 0 ? (
                <>
                  , and {plural(seen.resends, "silent resend")} by the browser itself (it resends a request whose
                  connection closed before any answer; same attempt, same key)
                </>
              ) : null}
              .{" "}
            </>
          ) : null}
          The first ran; {plural(detail.replays, "later request")} got the stored answer (replays)
          {detail.lastReplayedAt ? (
            <>
              , the last at <LocalTime iso={detail.lastReplayedAt} />
            </>
          ) : null}
          .
        </dd>
        <dt>Created</dt>
        <dd>
          <LocalTime iso={detail.createdAt} />
        </dd>
        <dt>Expires</dt>
        <dd>
          <LocalTime iso={detail.expiresAt} />
        </dd>
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

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
