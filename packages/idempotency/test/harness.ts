import http from "node:http";
import type { AddressInfo } from "node:net";
import type { IdempotencyOptions } from "../src/index";
import { createEngineDatabase } from "./engineDatabase";
import type { ConnectOptions } from "./fixtures/appDatabase";
import * as schema from "./fixtures/appSchema";
import { createTestHandler, type Faults, type TestRouterOptions } from "./fixtures/testRouter";

/** The test app's principals: plain strings, as an app's user ids would be. */
export const PRINCIPALS = { alice: "user_alice", bob: "user_bob" } as const;

/**
 * A minimal router using the plugin, served over real HTTP on a fresh database: the
 * middleware is tested without the demo domain. `principal` comes from a test header.
 */
export async function startTestServer(
  options: IdempotencyOptions = {},
  extra: Pick<TestRouterOptions, "phased" | "processorUrl"> & Pick<ConnectOptions, "driver" | "debug" | "max"> = {},
) {
  const database = await createEngineDatabase({ driver: extra.driver, debug: extra.debug, max: extra.max });
  const faults: Faults = { throwAfterInsert: 0, holdMs: 0, killConnection: 0, lockAccount: false };
  let executions = 0;

  const principals = PRINCIPALS;
  const accounts = { alice: "", bob: "" };
  for (const name of ["alice", "bob"] as const) {
    const [account] = await database.db
      .insert(schema.accounts)
      .values({ principalId: principals[name], name: `${name}'s account` })
      .returning({ id: schema.accounts.id });
    accounts[name] = account?.id ?? "";
  }

  const server = http.createServer(
    createTestHandler({
      db: database.db,
      principals,
      idempotency: options,
      ...extra,
      faults,
      onExecute: () => {
        executions++;
      },
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/trpc`;
  const callPath = async (path: string, input: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const response = await fetch(`${url}/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(input),
    });
    const body = await response.text();
    return { status: response.status, headers: response.headers, body, json: JSON.parse(body) };
  };

  return {
    database,
    faults,
    principals,
    accounts,
    executions: () => executions,
    call: (input: Record<string, unknown>, headers: Record<string, string> = {}) =>
      callPath("createOrder", input, headers),
    callPath,
    url,
    count: async (table: "orders" | "oncely_idempotency_keys") =>
      (await database.sql.unsafe(`SELECT count(*)::int AS n FROM ${table}`))[0]?.n as number,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await database.drop();
    },
  };
}

export type TestServer = Awaited<ReturnType<typeof startTestServer>>;
