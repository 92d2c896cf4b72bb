// alice's order as the benches send it, and keys to replay: orders created with new keys before
// a load, then drawn at random by it. Made by the server process that replays them (apps/server
// answers keys it has seen with one read outside any transaction; keys it never saw take the
// claim's path).
import { randomUUID } from "node:crypto";
import type { SeededDatabase } from "./environment";
import { loadWithKeys, timedCall } from "./load";
import type { ApiServer } from "./servers";

/** A keyed POST: the procedure's path under the server's tRPC base, its body and headers. */
export interface OrderRequest {
  path: string;
  body: string;
  headers: Record<string, string>;
}

/** alice's order on `database` (each database has its own account ids). */
export const orderRequest = (database: SeededDatabase): OrderRequest => ({
  path: "orders.create",
  body: JSON.stringify({ accountId: database.accountId, amount: 1999, currency: "USD" }),
  headers: { authorization: `Bearer ${database.apiKey}` },
});

/** Sends `request` once with `key`; throws unless it is answered 200. */
export async function expectOk(url: string, key: string, request: OrderRequest): Promise<void> {
  const { status } = await timedCall(url, key, request.body, request.headers);
  if (status !== 200) throw new Error(`${url}: HTTP ${status}`);
}

/** Creates `count` orders with new keys, 16 at a time; returns the keys. */
export async function makeKeys(server: ApiServer, count: number, request: OrderRequest): Promise<string[]> {
  const keys = Array.from({ length: count }, () => randomUUID());
  const url = `${server.base}/${request.path}`;
  for (let i = 0; i < keys.length; i += 16) {
    await Promise.all(keys.slice(i, i + 16).map((key) => expectOk(url, key, request)));
  }
  return keys;
}

/** Loads `server` with `request` (loadWithKeys): new keys, or replays of `replayKeys` drawn at random. */
export function loadOrders(
  server: ApiServer,
  request: OrderRequest,
  options: { connections: number; seconds: number; replayKeys?: string[] | undefined },
) {
  const keys = options.replayKeys;
  return loadWithKeys({
    url: `${server.base}/${request.path}`,
    body: request.body,
    headers: request.headers,
    connections: options.connections,
    seconds: options.seconds,
    ...(keys ? { key: () => keys[Math.floor(Math.random() * keys.length)] as string } : {}),
  });
}
