import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness";

let server: TestServer;
beforeAll(async () => {
  // Every duplicate waits its turn here (no waiters' bound): the property is about exactly once.
  server = await startTestServer({ lockTimeoutMs: 10_000, maxWaitersPerKey: 100, maxWaitersPerPrincipal: 100 });
});
afterAll(() => server.close());

const principalNames = ["alice", "bob"] as const;

describe("random interleavings of concurrent duplicates", () => {
  it("execute each (principal, key) exactly once, counted in the database, with one answer per key", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            principal: fc.constantFrom(...principalNames),
            keyIndex: fc.integer({ min: 0, max: 4 }),
            delayMs: fc.integer({ min: 0, max: 15 }),
          }),
          { minLength: 1, maxLength: 50 },
        ),
        fc.integer({ min: 0, max: 20 }),
        async (requests, holdMs) => {
          server.faults.holdMs = holdMs; // how long each first execution keeps its key locked
          // Fresh keys per run; the same key index means the same key across principals.
          const keys = Array.from({ length: 5 }, () => randomUUID());
          const answers = await Promise.all(
            requests.map(async ({ principal, keyIndex, delayMs }) => {
              await new Promise((r) => setTimeout(r, delayMs));
              const key = keys[keyIndex] ?? "";
              const response = await server.call(
                { accountId: server.accounts[principal], amount: 10 + keyIndex },
                { "idempotency-key": key, "x-principal": principal },
              );
              return { principal, key, status: response.status, body: response.body };
            }),
          );
          server.faults.holdMs = 0;

          const groups = new Map<string, typeof answers>();
          for (const answer of answers) {
            const id = `${answer.principal}/${answer.key}`;
            groups.set(id, [...(groups.get(id) ?? []), answer]);
          }
          for (const [id, group] of groups) {
            const [principal, key] = id.split("/") as [keyof typeof server.principals, string];
            const [row] = await server.database.sql`
              SELECT count(*)::int AS n FROM orders
              WHERE principal_id = ${server.principals[principal]} AND description = ${key}`;
            expect(row?.n, `executions of ${id}`).toBe(1);
            expect(group.every((a) => a.status === 200)).toBe(true);
            expect(new Set(group.map((a) => a.body)).size, `distinct answers for ${id}`).toBe(1);
          }
        },
      ),
      { numRuns: 15 },
    );
  });
});
