import type { Metadata, Route } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { operationName } from "../../../lib/operations";
import { param, trailOf } from "../../../lib/pages";
import { orNull } from "../../../server/missing";
import { requireSession } from "../../../server/principal";
import { KeyStatus } from "../../_components/key-status";
import { LocalTime } from "../../_components/local-time";
import { Pager } from "../../_components/pager";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Idempotency keys" };

const KEYS_PER_PAGE = 25;

export default async function KeysPage({ searchParams }: PageProps<"/keys">) {
  const params = await searchParams;
  const wanted = param(params, "key");
  if (wanted) redirect(`/keys/${encodeURIComponent(wanted)}` as Route);
  const { caller } = await requireSession();
  const trail = trailOf(params);
  const keys = await orNull(caller.idempotency.list({ limit: KEYS_PER_PAGE, cursor: trail.at(-1) }));

  return (
    <>
      <h1>Idempotency keys</h1>
      <p className="lede">
        Every key your requests carried, newest first. A completed key answers every later request with the same key
        from the store (a replay) until it expires, 24 hours after it was made. Open a key to see the stored answer and
        what it produced.
      </p>
      <search>
        <form className="card filters filters-inline" method="get" action="/keys">
          <div className="field">
            <label htmlFor="key-search">Open a key</label>
            <input id="key-search" name="key" type="search" placeholder="paste a key" maxLength={255} />
          </div>
          <div className="form-actions">
            <button type="submit">Open</button>
          </div>
        </form>
      </search>
      {!keys ? (
        <p className="card muted">
          This page of the list no longer exists. <Link href="/keys">Back to the newest keys</Link>.
        </p>
      ) : keys.items.length === 0 ? (
        <p className="card muted">No keys yet: create an order, pay, refund or transfer.</p>
      ) : (
        <>
          <div className="card table-wrap">
            <table className="table keys cards" aria-label="Idempotency keys">
              <thead>
                <tr>
                  <th scope="col">Key</th>
                  <th scope="col">Operation</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="num">
                    Replays
                  </th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {keys.items.map((key) => (
                  <tr key={key.key} data-key={key.key}>
                    <td data-label="Key">
                      <Link href={`/keys/${encodeURIComponent(key.key)}`} className="key-link">
                        <code>{key.key}</code>
                      </Link>
                    </td>
                    <td data-label="Operation">{operationName(key.path)}</td>
                    <td data-label="Status">
                      <KeyStatus status={key.status} responseStatus={key.responseStatus} />
                    </td>
                    <td data-label="Replays" className="num" data-testid="replays">
                      {key.replays}
                    </td>
                    <td data-label="Created">
                      <LocalTime iso={key.createdAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager path="/keys" trail={trail} nextCursor={keys.nextCursor} label="Keys" />
        </>
      )}
    </>
  );
}
