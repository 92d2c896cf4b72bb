import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertIdempotent, databaseSnapshot } from "../src/testing";
import { startTestServer, type TestServer } from "./harness";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe("assertIdempotent", () => {
  it("passes for a keyed mutation and returns the first answer", async () => {
    const key = randomUUID();
    const first = await assertIdempotent({
      call: async () => {
        const r = await server.call({ accountId: server.accounts.alice, amount: 321 }, { "idempotency-key": key });
        return { status: r.status, body: r.body };
      },
      snapshot: () => databaseSnapshot(server.database.db),
    });
    expect(first.status).toBe(200);
  });

  it("fails when each call makes a new effect (no key: a fresh key per call)", async () => {
    await expect(
      assertIdempotent({
        call: async () => {
          const r = await server.call(
            { accountId: server.accounts.alice, amount: 1 },
            { "idempotency-key": randomUUID() },
          );
          return { status: r.status, body: r.body };
        },
        times: 2,
        snapshot: () => databaseSnapshot(server.database.db),
      }),
    ).rejects.toThrow(/answered differently/);
  });

  it("fails when the answers match but the database changes", async () => {
    let counter = 0;
    await expect(
      assertIdempotent({
        call: async () => "same answer",
        times: 2,
        snapshot: async () => ++counter,
      }),
    ).rejects.toThrow(/database changed/);
  });
});

describe("databaseSnapshot", () => {
  it("ignores replay bookkeeping but sees real rows", async () => {
    const key = randomUUID();
    await server.call({ accountId: server.accounts.alice, amount: 5 }, { "idempotency-key": key });
    const before = await databaseSnapshot(server.database.db);
    await server.database.sql`UPDATE oncely_idempotency_keys SET replay_count = replay_count + 7 WHERE key = ${key}`;
    expect(await databaseSnapshot(server.database.db)).toEqual(before);
    await server.database.sql`UPDATE orders SET description = 'changed' WHERE amount = 5`;
    expect(await databaseSnapshot(server.database.db)).not.toEqual(before);
  });
});
