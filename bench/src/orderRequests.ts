// alice's order as the benches send it, and keys to replay: orders created with new keys before
// a load, then drawn at random by it. Made by the server process that replays them (apps/server
// answers keys it has seen with one read outside any transaction; keys it never saw take the
// claim's path).
import { randomUUID } from "node:crypto";
import { type BreakdownRequest, expectOk } from "./breakdown";
import type { SeededDatabase } from "./environment";
import type { ApiServer } from "./servers";

/** alice's order on `database` (each database has its own account ids). */
export const orderRequest = (database: SeededDatabase): BreakdownRequest => ({
  path: "orders.create",
  body: JSON.stringify({ accountId: database.accountId, amount: 1999, currency: "USD" }),
  headers: { authorization: `Bearer ${database.apiKey}` },
});

/** Creates `count` orders with new keys, 16 at a time; returns the keys. */
export async function makeKeys(server: ApiServer, count: number, request: BreakdownRequest): Promise<string[]> {
  const keys = Array.from({ length: count }, () => randomUUID());
  const url = `${server.base}/${request.path}`;
  for (let i = 0; i < keys.length; i += 16) {
    await Promise.all(keys.slice(i, i + 16).map((key) => expectOk(url, key, request)));
  }
  return keys;
}

/** A key picker for loadWithKeys: one of `keys`, at random, per request. */
export const randomKeyFrom = (keys: string[]) => () => keys[Math.floor(Math.random() * keys.length)] as string;
