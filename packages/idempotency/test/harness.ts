import http from "node:http";
import type { AddressInfo } from "node:net";
import { schema, seedDemo } from "@oncely/db";
import { createTestDatabase } from "@oncely/db/testing";
import { initTRPC } from "@trpc/server";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { z } from "zod";
import { BusinessError, type IdempotencyContext, type IdempotencyOptions, idempotent } from "../src/index";

/** Server-side switches a test flips to make the next executions misbehave. */
export interface Faults {
  /** The next N executions insert their row, then throw an unexpected error. */
  throwAfterInsert: number;
  /** Every execution waits this long after inserting (to hold the key's lock). */
  holdMs: number;
}

/**
 * A minimal router using the plugin, served over real HTTP on a fresh database: the
 * middleware is tested without the demo domain. `principal` comes from a test header.
 */
export async function startTestServer(options: IdempotencyOptions = {}) {
  const database = await createTestDatabase();
  await seedDemo(database.db);
  const faults: Faults = { throwAfterInsert: 0, holdMs: 0 };
  let executions = 0;

  const t = initTRPC.context<IdempotencyContext>().create({ isDev: false });
  const router = t.router({
    createOrder: t.procedure
      .input(
        z.object({
          accountId: z.uuid(),
          amount: z.number().int().positive(),
          outcome: z.enum(["ok", "declined"]).default("ok"),
        }),
      )
      .concat(idempotent(options))
      .mutation(async ({ ctx, input }) => {
        executions++;
        const [order] = await ctx.tx
          .insert(schema.orders)
          .values({ principalId: ctx.principalId, accountId: input.accountId, amount: input.amount, currency: "USD" })
          .returning({ id: schema.orders.id, amount: schema.orders.amount });
        if (faults.holdMs > 0) await new Promise((r) => setTimeout(r, faults.holdMs));
        if (faults.throwAfterInsert > 0) {
          faults.throwAfterInsert--;
          throw new Error("the process fell over after its insert");
        }
        if (input.outcome === "declined") throw new BusinessError("card_declined", "The card was declined");
        return { order, note: "created" };
      }),
  });

  const principals = Object.fromEntries(
    (await database.sql<{ name: string; id: string }[]>`SELECT name, id FROM principals`).map((p) => [p.name, p.id]),
  ) as { alice: string; bob: string };
  const accounts = Object.fromEntries(
    (
      await database.sql<{ name: string; id: string }[]>`
        SELECT p.name, min(a.id::text) AS id FROM accounts a JOIN principals p ON p.id = a.principal_id
        WHERE a.kind = 'customer' GROUP BY p.name`
    ).map((a) => [a.name, a.id]),
  ) as { alice: string; bob: string };

  const server = http.createServer(
    createHTTPHandler({
      router,
      basePath: "/trpc/",
      createContext: ({ req }) => ({
        db: database.db,
        principalId: principals[(req.headers["x-principal"] as "alice" | "bob") ?? "alice"],
        headers: new Headers(req.headers as Record<string, string>),
        responseHeaders: new Headers(),
      }),
      responseMeta: ({ ctx }) => ({ headers: ctx?.responseHeaders }),
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/trpc`;

  return {
    database,
    faults,
    principals,
    accounts,
    executions: () => executions,
    call: async (input: Record<string, unknown>, headers: Record<string, string> = {}) => {
      const response = await fetch(`${url}/createOrder`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(input),
      });
      const body = await response.text();
      return { status: response.status, headers: response.headers, body, json: JSON.parse(body) };
    },
    count: async (table: "orders" | "idempotency_keys") =>
      (await database.sql.unsafe(`SELECT count(*)::int AS n FROM ${table}`))[0]?.n as number,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await database.drop();
    },
  };
}

export type TestServer = Awaited<ReturnType<typeof startTestServer>>;
