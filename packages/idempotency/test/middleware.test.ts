import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fingerprintRequest } from "../src/index";
import { PRINCIPALS, startTestServer, type TestServer } from "./harness";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ lockTimeoutMs: 300, retryAfterSeconds: 2 });
});
afterAll(() => server.close());

const input = (amount = 1000, outcome?: string, on: TestServer = server) => ({
  accountId: on.accounts.alice,
  amount,
  outcome,
});
const withKey = (key: string) => ({ "idempotency-key": key });

describe("atomicity: key, business writes and answer commit together", () => {
  it("leaves no order and no key when the handler throws after its insert, so the retry runs", async () => {
    const key = randomUUID();
    const orders = await server.count("orders");
    const keys = await server.count("oncely_idempotency_keys");
    server.faults.throwAfterInsert = 1;

    const failed = await server.call(input(), withKey(key));
    expect(failed.status).toBe(500);
    expect(failed.body).not.toMatch(/"stack"|\.ts:\d/); // no stack trace leaks
    expect(await server.count("orders")).toBe(orders);
    expect(await server.count("oncely_idempotency_keys")).toBe(keys);

    const retried = await server.call(input(), withKey(key));
    expect(retried.status).toBe(200);
    expect(retried.headers.get("idempotent-replayed")).toBeNull();
    expect(await server.count("orders")).toBe(orders + 1);
    expect(await server.count("oncely_idempotency_keys")).toBe(keys + 1);
  });

  it("stores a business error with its status and replays it byte for byte; its writes are rolled back", async () => {
    const key = randomUUID();
    const orders = await server.count("orders");
    const runs = server.executions();

    const first = await server.call(input(500, "declined"), withKey(key));
    const replay = await server.call(input(500, "declined"), withKey(key));

    expect(first.status).toBe(422);
    expect(first.json.error.message).toBe("The card was declined");
    expect(replay.status).toBe(422);
    expect(replay.body).toBe(first.body);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(server.executions()).toBe(runs + 1);
    // The handler's insert before the error was rolled back to the savepoint...
    expect(await server.count("orders")).toBe(orders);
    // ...while the key row and its stored error committed.
    const [row] = await server.database.sql`SELECT response_status FROM oncely_idempotency_keys WHERE key = ${key}`;
    expect(row?.response_status).toBe(422);
  });

  it("sends the stored answer inside the transaction: on the same connection, before its COMMIT", async () => {
    const sent: { connection: number; statement: string; parameters: unknown[] }[] = [];
    const watched = await startTestServer(
      {},
      { debug: (connection, statement, parameters) => sent.push({ connection, statement, parameters }) },
    );
    try {
      const key = randomUUID();
      expect((await watched.call(input(1000, undefined, watched), withKey(key))).status).toBe(200);
      const isAnswer = (s: (typeof sent)[number]) =>
        s.statement.includes('insert into "oncely_idempotency_keys"') && s.parameters.includes(key);
      const answer = sent.find(isAnswer);
      expect(answer).toBeDefined();
      const onConnection = sent.filter((s) => s.connection === answer?.connection);
      const at = onConnection.findIndex(isAnswer);
      // The transaction's statements in order: BEGIN, the claim (the key's lock and its row),
      // the savepoint, the order, the answer, COMMIT.
      const before = onConnection.slice(0, at);
      const begin = before.map((s) => s.statement.trim().toLowerCase()).lastIndexOf("begin");
      expect(begin).toBeGreaterThan(-1);
      const claim = before[begin + 1];
      expect(claim?.statement).toContain("pg_try_advisory_xact_lock");
      expect(claim?.statement).toContain('"oncely_idempotency_keys" AS k');
      expect(claim?.parameters).toContain(key);
      expect(before[begin + 2]?.statement).toBe("SAVEPOINT oncely_handler");
      expect(onConnection[at + 1]?.statement.trim().toLowerCase()).toBe("commit");
      expect(await watched.count("oncely_idempotency_keys")).toBe(1);
    } finally {
      await watched.close();
    }
  });

  it("does not store input validation errors: the key stays free", async () => {
    const key = randomUUID();
    const keys = await server.count("oncely_idempotency_keys");
    const invalid = await server.call({ accountId: "nope", amount: 1 }, withKey(key));
    expect(invalid.status).toBe(400);
    expect(await server.count("oncely_idempotency_keys")).toBe(keys);
    const valid = await server.call(input(), withKey(key));
    expect(valid.status).toBe(200);
  });
});

describe("which failures are stored", () => {
  // On the stock postgres.js a transaction whose connection dies crashes the process
  // (porsager/postgres#1154): this case runs on the repo's patched driver (packages/idempotency/README.md).
  it("answers a lost database connection with 503 + Retry-After, stores nothing, and the retry runs", async () => {
    const patched = await startTestServer({ retryAfterSeconds: 2 }, { driver: "patched" });
    try {
      const key = randomUUID();
      patched.faults.killConnection = 1;
      const failed = await patched.call(input(1000, undefined, patched), withKey(key));
      expect(failed.status).toBe(503);
      expect(failed.headers.get("retry-after")).toBe("2");
      expect(failed.json.error.data.code).toBe("SERVICE_UNAVAILABLE");
      expect(await patched.count("orders")).toBe(0);
      expect(await patched.count("oncely_idempotency_keys")).toBe(0);
      const retried = await patched.call(input(1000, undefined, patched), withKey(key));
      expect(retried.status).toBe(200);
      expect(await patched.count("orders")).toBe(1);
    } finally {
      await patched.close();
    }
  });

  it("does not store a tRPC error the procedure did not declare storable", async () => {
    const key = randomUUID();
    const keys = await server.count("oncely_idempotency_keys");
    const missing = await server.call(input(1, "missing"), withKey(key));
    expect(missing.status).toBe(404);
    expect(await server.count("oncely_idempotency_keys")).toBe(keys);
  });

  it("stores and replays a tRPC error whose code the procedure declared storable", async () => {
    const declaring = await startTestServer({ storableCodes: ["NOT_FOUND"] });
    try {
      const key = randomUUID();
      const runs = declaring.executions();
      const first = await declaring.call(
        { accountId: declaring.accounts.alice, amount: 1, outcome: "missing" },
        withKey(key),
      );
      const again = await declaring.call(
        { accountId: declaring.accounts.alice, amount: 1, outcome: "missing" },
        withKey(key),
      );
      expect(first.status).toBe(404);
      expect(again.body).toBe(first.body);
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      expect(declaring.executions()).toBe(runs + 1);
      expect(await declaring.count("orders")).toBe(0);
    } finally {
      await declaring.close();
    }
  });
});

describe("the plugin before .input() (on a base procedure)", () => {
  it("fingerprints the raw input: other input is a 422, the same input replays, bad input stores nothing", async () => {
    const key = randomUUID();
    const runs = server.executions();
    const call = (amount: unknown) =>
      server.callPath("createOrderFromBase", { accountId: server.accounts.alice, amount }, withKey(key));
    const keys = await server.count("oncely_idempotency_keys");
    const invalid = await call("ten");
    expect(invalid.status).toBe(400);
    expect(await server.count("oncely_idempotency_keys")).toBe(keys); // the key stays free...
    const first = await call(10); // ...so other (valid) input under it runs
    const changed = await call(11);
    const replay = await call(10);
    expect(first.status).toBe(200);
    expect(changed.status).toBe(422);
    expect(replay.body).toBe(first.body);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(server.executions()).toBe(runs + 1);
  });
});

describe("concurrent duplicates", () => {
  it("make the second request wait for the first and replay its answer", async () => {
    const key = randomUUID();
    const runs = server.executions();
    server.faults.holdMs = 150; // under the 300 ms lock bound
    try {
      const [a, b] = await Promise.all([server.call(input(), withKey(key)), server.call(input(), withKey(key))]);
      expect(a.status).toBe(200);
      expect(b.status).toBe(200);
      expect(a.body).toBe(b.body);
      expect([a, b].filter((r) => r.headers.get("idempotent-replayed") === "true")).toHaveLength(1);
    } finally {
      server.faults.holdMs = 0;
    }
    expect(server.executions()).toBe(runs + 1);
  });

  it("answer 409 with Retry-After when the first runs past the lock bound, and never run twice", async () => {
    const key = randomUUID();
    const orders = await server.count("orders");
    const runs = server.executions();
    server.faults.holdMs = 1_000; // well past the 300 ms bound
    let first: Awaited<ReturnType<TestServer["call"]>>;
    try {
      const pending = server.call(input(), withKey(key));
      await new Promise((r) => setTimeout(r, 100)); // let the first claim the key
      const second = await server.call(input(), withKey(key));
      expect(second.status).toBe(409);
      expect(second.headers.get("retry-after")).toBe("2");
      expect(second.json.error.data.code).toBe("CONFLICT");
      first = await pending;
    } finally {
      server.faults.holdMs = 0;
    }
    expect(first.status).toBe(200);
    const later = await server.call(input(), withKey(key));
    expect(later.body).toBe(first.body);
    expect(server.executions()).toBe(runs + 1);
    expect(await server.count("orders")).toBe(orders + 1);
  });
});

describe("a business error and a duplicate waiting on its key", () => {
  it("the duplicate replays the stored error: one execution, no effect", async () => {
    // The first execution declines; its writes roll back to the savepoint and the error is
    // stored while it still holds the key, so the duplicate queued behind it never runs.
    const patient = await startTestServer({ lockTimeoutMs: 10_000 });
    try {
      const key = randomUUID();
      patient.faults.declineNext = 1;
      patient.faults.holdMs = 200; // the duplicate queues on the key while the first runs
      const first = patient.call(input(1000, undefined, patient), withKey(key));
      await new Promise((r) => setTimeout(r, 50));
      const duplicate = patient.call(input(1000, undefined, patient), withKey(key));
      const answers = await Promise.all([first, duplicate]);
      expect(answers.map((a) => a.status)).toEqual([422, 422]);
      expect(answers[1]?.body).toBe(answers[0]?.body);
      expect(answers[1]?.headers.get("idempotent-replayed")).toBe("true");
      expect(patient.executions()).toBe(1);
      expect(await patient.count("orders")).toBe(0);
      const [row] = await patient.database.sql`SELECT response_status FROM oncely_idempotency_keys WHERE key = ${key}`;
      expect(row?.response_status).toBe(422);
    } finally {
      await patient.close();
    }
  });
});

describe("a key row written by someone else while the handler ran", () => {
  it("rolls this execution back and answers with that row", async () => {
    const key = randomUUID();
    const body = input(4242);
    const orders = await server.count("orders");
    server.faults.afterInsert = async () => {
      server.faults.afterInsert = undefined;
      // As a request that does not take the key's lock would (a phased one), or as a holder of
      // the lock would whose COMMIT fell between the claim's read and its lock: straight in.
      await server.database.sql`
        INSERT INTO oncely_idempotency_keys (principal_id, key, request_path, fingerprint, status, response_status,
                                             response_body, expires_at)
        VALUES (${PRINCIPALS.alice}, ${key}, 'createOrder', ${fingerprintRequest("createOrder", { ...body, outcome: "ok" })},
                'completed', 200, '{"written":"elsewhere"}', now() + interval '1 hour')`;
    };
    const answer = await server.call(body, withKey(key));
    expect(answer.status).toBe(200);
    expect(answer.json.result.data).toEqual({ written: "elsewhere" });
    expect(answer.headers.get("idempotent-replayed")).toBe("true");
    expect(await server.count("orders")).toBe(orders); // this execution's order rolled back
  });
});

describe("the lock bound", () => {
  it("applies to the key only: a handler waiting longer on its own row lock still succeeds", async () => {
    const key = randomUUID();
    server.faults.lockAccount = true;
    const blocker = server.database.sql.reserve();
    const held = await blocker;
    try {
      await held`BEGIN`;
      await held`SELECT 1 FROM accounts WHERE id = ${server.accounts.alice} FOR UPDATE`;
      const pending = server.call(input(), withKey(key));
      await new Promise((r) => setTimeout(r, 800)); // well past the 300 ms key-lock bound
      await held`COMMIT`;
      const answer = await pending;
      expect(answer.status).toBe(200);
    } finally {
      server.faults.lockAccount = false;
      held.release();
    }
  });
});

describe("expiry", () => {
  it("treats an expired key as new: it runs again and the key row is replaced", async () => {
    const key = randomUUID();
    const first = await server.call(input(100), withKey(key));
    await server.database
      .sql`UPDATE oncely_idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = ${key}`;
    const orders = await server.count("orders");

    // Even other input is fine: the old request is forgotten.
    const again = await server.call(input(200), withKey(key));

    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBeNull();
    expect(again.json.result.data.order.id).not.toBe(first.json.result.data.order.id);
    expect(await server.count("orders")).toBe(orders + 1);
    const rows = await server.database
      .sql`SELECT expires_at > now() AS live FROM oncely_idempotency_keys WHERE key = ${key}`;
    expect(rows).toEqual([{ live: true }]);
  });
});

describe("principal scope", () => {
  it("keeps the same key from two principals apart", async () => {
    const key = randomUUID();
    const alice = await server.call(input(), withKey(key));
    const bob = await server.call(
      { ...input(), accountId: server.accounts.bob },
      { ...withKey(key), "x-principal": "bob" },
    );
    expect(bob.status).toBe(200);
    expect(bob.headers.get("idempotent-replayed")).toBeNull();
    expect(bob.body).not.toBe(alice.body);
  });
});

describe.each([
  ["always", true],
  ["never", false],
] as const)("with the fast path %s", (_label, fastPath) => {
  let other: TestServer;
  beforeAll(async () => {
    other = await startTestServer({ fastPath });
  });
  afterAll(() => other.close());

  it("replays byte for byte, refuses other input with 422, and runs once", async () => {
    const key = randomUUID();
    const body = { accountId: other.accounts.alice, amount: 77 };
    const first = await other.call(body, withKey(key));
    const replay = await other.call(body, withKey(key));
    const reused = await other.call({ ...body, amount: 78 }, withKey(key));
    expect(replay.body).toBe(first.body);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(reused.status).toBe(422);
    expect(other.executions()).toBe(1);
    expect(await other.count("orders")).toBe(1);
  });
});
