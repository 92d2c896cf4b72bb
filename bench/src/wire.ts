// A TCP proxy in front of PostgreSQL that counts what a server sends it: round trips (each
// time the server sends something after PostgreSQL answered on that connection) and frontend
// protocol messages by type. Used only in a pass of its own, one request at a time, never
// while throughput or CPU is measured (the proxy costs both).
import net from "node:net";
import type { WireCounts } from "./resultTypes";

/** Frontend messages by their type byte (the startup packet has none). */
const MESSAGE_NAMES: Record<string, string> = {
  Q: "query (simple protocol)",
  P: "parse",
  B: "bind",
  D: "describe",
  E: "execute",
  S: "sync",
  H: "flush",
  C: "close",
  X: "terminate",
  p: "password",
};

export interface CountingProxy {
  /** The URL to give a server instead of PostgreSQL's. */
  url: string;
  /** Counts since the last reset. */
  read: () => WireCounts;
  reset: () => void;
  close: () => Promise<void>;
}

export async function startCountingProxy(databaseUrl: string): Promise<CountingProxy> {
  const target = new URL(databaseUrl);
  let counts: WireCounts;
  const reset = () => {
    counts = { roundTrips: 0, messages: {}, bytesToPostgres: 0, bytesFromPostgres: 0 };
  };
  reset();
  const sockets = new Set<net.Socket>();

  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    let pending = Buffer.alloc(0);
    let startupDone = false;
    let answered = true; // the first write opens the first round trip
    client.on("data", (chunk: Buffer) => {
      counts.bytesToPostgres += chunk.length;
      if (answered) counts.roundTrips++;
      answered = false;
      pending = Buffer.concat([pending, chunk]);
      // Walk whole messages: [type byte] int32 length (including itself), body.
      for (;;) {
        if (!startupDone) {
          if (pending.length < 8) break;
          const length = pending.readInt32BE(0);
          if (pending.length < length) break;
          // SSLRequest / GSSENCRequest (codes 80877103 / 80877104) precede the real startup packet.
          const code = pending.readInt32BE(4);
          if (code !== 80877103 && code !== 80877104) startupDone = true;
          pending = pending.subarray(length);
          continue;
        }
        if (pending.length < 5) break;
        const length = pending.readInt32BE(1);
        if (pending.length < 1 + length) break;
        const type = String.fromCharCode(pending[0] ?? 0);
        const name = MESSAGE_NAMES[type] ?? `type ${type}`;
        counts.messages[name] = (counts.messages[name] ?? 0) + 1;
        pending = pending.subarray(1 + length);
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      counts.bytesFromPostgres += chunk.length;
      answered = true;
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("close", end).on("error", end);
    upstream.on("close", end).on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  const url = new URL(databaseUrl);
  url.hostname = "127.0.0.1";
  url.port = String(port);
  return {
    url: url.toString(),
    read: () => structuredClone(counts),
    reset,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Counts over `requests` divided by their number. */
export function perRequest(counts: WireCounts, requests: number): WireCounts {
  return {
    roundTrips: counts.roundTrips / requests,
    messages: Object.fromEntries(Object.entries(counts.messages).map(([name, n]) => [name, n / requests])),
    bytesToPostgres: counts.bytesToPostgres / requests,
    bytesFromPostgres: counts.bytesFromPostgres / requests,
  };
}
