import type { Metadata } from "next";
import Link from "next/link";
import { formatShortDateTime } from "../../lib/dates";
import { currentSession } from "../../server/principal";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Idempotency keys" };

const KEYS_SHOWN = 50;

export default async function KeysPage() {
  const { caller } = await currentSession();
  const keys = await caller.idempotency.list({ limit: KEYS_SHOWN });

  return (
    <>
      <h1>Idempotency keys</h1>
      <p className="lede">
        Every key your requests carried, newest first. A completed key answers every later request with the same key
        from the store (a replay) until it expires. Open a key to see the stored answer.
      </p>
      {keys.items.length === 0 ? (
        <p className="card muted">No keys yet: create an order, pay, refund or transfer.</p>
      ) : (
        <div className="card table-wrap">
          <table className="table keys" aria-label="Idempotency keys">
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Operation</th>
                <th scope="col">Status</th>
                <th scope="col">Answer</th>
                <th scope="col" className="num">
                  Replays
                </th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
              </tr>
            </thead>
            <tbody>
              {keys.items.map((key) => (
                <tr key={key.key} data-key={key.key}>
                  <td>
                    <Link href={`/keys/${encodeURIComponent(key.key)}`} title={key.key}>
                      <code>{key.key.length > 13 ? `${key.key.slice(0, 13)}…` : key.key}</code>
                    </Link>
                  </td>
                  <td>
                    <code>{key.path}</code>
                  </td>
                  <td>
                    <span className={`badge badge-${key.status}`}>{key.status.replace("_", " ")}</span>
                  </td>
                  <td>{key.responseStatus ?? "—"}</td>
                  <td className="num">{key.replays}</td>
                  <td>
                    <time dateTime={key.createdAt}>{formatShortDateTime(key.createdAt)}</time>
                  </td>
                  <td>
                    <time dateTime={key.expiresAt}>{formatShortDateTime(key.expiresAt)}</time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {keys.nextCursor ? <p className="muted">Showing the newest {KEYS_SHOWN} keys.</p> : null}
    </>
  );
}
