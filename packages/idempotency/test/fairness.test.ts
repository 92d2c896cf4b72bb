import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness";

// A storm of duplicates of one stalled key must not take the pool from everyone else. A small
// pool (6 connections) and a long lock bound (60 s) make the failure plain: without the
// waiters' bound, 30 duplicates hold or queue for every connection until the bound runs out,
// and bob's request waits a minute; with it, all but two are answered 409 at once and bob is
// served while alice's first request is still stalled.

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(
    { lockTimeoutMs: 60_000, retryAfterSeconds: 3, maxWaitersPerKey: 2, maxWaitersPerPrincipal: 4 },
    { max: 6 },
  );
});
afterAll(() => server.close());

describe("a duplicate storm on a stalled key", () => {
  it("answers the duplicates past the bound 409 at once and serves another principal meanwhile", async () => {
    const key = randomUUID();
    let release: () => void = () => {};
    const stalled = new Promise<void>((resolve) => (release = resolve));
    server.faults.afterInsert = () => stalled; // every execution stalls until released
    const alice = { accountId: server.accounts.alice, amount: 10 };
    const headers = { "idempotency-key": key };

    const holder = server.call(alice, headers);
    await expect.poll(() => server.executions(), { timeout: 20_000 }).toBe(1); // inside the handler, key held

    const answered: number[] = [];
    const duplicates = Array.from({ length: 30 }, () =>
      server.call(alice, headers).then((answer) => {
        answered.push(answer.status);
        return answer;
      }),
    );
    // Everyone past the bound is answered without waiting for the stalled key...
    await expect.poll(() => answered.length, { timeout: 20_000 }).toBe(28);
    expect(answered.every((status) => status === 409)).toBe(true);

    // ...and another principal is served while alice's first request still holds its key.
    server.faults.afterInsert = undefined;
    const bob = await server.call(
      { accountId: server.accounts.bob, amount: 20 },
      { "idempotency-key": randomUUID(), "x-principal": "bob" },
    );
    expect(bob.status).toBe(200);
    expect(answered).toHaveLength(28); // the two waiters still wait: the key is still held

    release();
    const first = await holder;
    const all = await Promise.all(duplicates);
    expect(first.status).toBe(200);
    const waiters = all.filter((answer) => answer.status === 200);
    expect(waiters).toHaveLength(2);
    expect(waiters.every((answer) => answer.body === first.body)).toBe(true);
    const refused = all.find((answer) => answer.status === 409);
    expect(refused?.headers.get("retry-after")).toBe("3");
    expect(server.executions()).toBe(2); // alice's one execution and bob's
    expect(await server.count("orders")).toBe(2);
  });
});
