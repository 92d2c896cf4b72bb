import Link from "next/link";

export default function KeyNotFound() {
  return (
    <>
      <h1>No answer stored under this key</h1>
      <p>
        The server keeps a key only once its request was saved: a success, or a refusal such as "not enough money". A
        request that failed before saving (a 503, a dropped connection before the commit) or was refused for bad input
        leaves nothing, and sending it again with the same key simply runs it. Keys also expire after 24 hours, and a
        key belongs to the one who sent it.
      </p>
      <p>
        <Link href="/keys">All your keys</Link>
      </p>
    </>
  );
}
