import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EnginePoint } from "../src/index";
import { createEngineDatabase, type EngineDatabase } from "./engineDatabase";
import * as schema from "./fixtures/appSchema";
import { spawnCrashServer } from "./fixtures/spawnCrashServer";
import { PRINCIPALS } from "./harness";

// Real processes: the server is SIGKILLed inside the transaction (or right after the
// commit), PostgreSQL sees the connection die, and a retry on a fresh server must find
// exactly one effect or none, never a stuck key.

let database: EngineDatabase;
const principals = PRINCIPALS;
let accountId: string;

beforeAll(async () => {
  database = await createEngineDatabase();
  const [account] = await database.db
    .insert(schema.accounts)
    .values({ principalId: principals.alice, name: "alice's account" })
    .returning({ id: schema.accounts.id });
  accountId = account?.id ?? "";
});
afterAll(() => database.drop());

const startServer = (crashAt: EnginePoint | "none") =>
  spawnCrashServer({ databaseUrl: database.url, principals, crashAt });

const send = (port: number, key: string, amount = 500) =>
  fetch(`http://127.0.0.1:${port}/trpc/createOrder`, {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": key },
    body: JSON.stringify({ accountId, amount }),
  });

const effectsOf = async (key: string) =>
  (await database.sql`SELECT count(*)::int AS n FROM orders WHERE description = ${key}`)[0]?.n as number;

const keyRow = async (key: string) =>
  (await database.sql`SELECT status, response_status FROM oncely_idempotency_keys WHERE key = ${key}`)[0];

describe("a server killed inside the transaction", () => {
  it.each(["claimed", "executed", "committed"] as const)(
    "SIGKILL at %s: the retry on a fresh server finds one effect and no stuck key",
    async (point) => {
      const key = randomUUID();
      const victim = await startServer(point);
      await expect(send(victim.port, key)).rejects.toThrow(); // the connection dies with the process
      await victim.exited;

      const survivor = await startServer("none");
      try {
        const retry = await send(survivor.port, key);
        expect(retry.status).toBe(200);
        // Killed after the commit: the first execution stands and is replayed.
        expect(retry.headers.get("idempotent-replayed")).toBe(point === "committed" ? "true" : null);
        expect(await effectsOf(key)).toBe(1);
        expect(await keyRow(key)).toEqual({ status: "completed", response_status: 200 });
      } finally {
        survivor.process.kill("SIGKILL");
      }
    },
  );

  it("SIGKILL at random moments with requests in flight: every key ends with exactly one effect", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 2, max: 12 }), async (killAfterMs, n) => {
        const keys = Array.from({ length: n }, () => randomUUID());
        const victim = await startServer("none");
        const inFlight = keys.map((key) =>
          send(victim.port, key).then(
            (r) => r.status,
            () => "lost" as const,
          ),
        );
        await new Promise((r) => setTimeout(r, killAfterMs));
        victim.process.kill("SIGKILL");
        await Promise.all(inFlight);
        await victim.exited;

        const survivor = await startServer("none");
        try {
          const retries = await Promise.all(keys.map((key) => send(survivor.port, key)));
          expect(retries.map((r) => r.status)).toEqual(keys.map(() => 200));
          for (const key of keys) expect(await effectsOf(key)).toBe(1);
        } finally {
          survivor.process.kill("SIGKILL");
        }
      }),
      { numRuns: 4 },
    );
  });
});
