import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { TestDatabase } from "@oncely/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededTestDatabase } from "./seededDatabase";
import { runToExit, SERVER_MAIN, SWEEP_MAIN } from "./spawnServer";

// The built entries as real processes: a bad environment stops them with ONE line, and
// neither production nor the sweep ever starts a database of its own.

let database: TestDatabase;
let cwd: string;
beforeAll(async () => {
  ({ database } = await seededTestDatabase({ max: 2 }));
  cwd = await fs.mkdtemp(path.join(os.tmpdir(), "oncely-processes-"));
});
afterAll(async () => {
  await database?.drop();
  await fs.rm(cwd, { recursive: true, force: true });
});

/** Nothing of an embedded PostgreSQL was made (its default place is .data/ under the cwd here). */
const noDatabaseStarted = () => expect(existsSync(path.join(cwd, ".data"))).toBe(false);
const unset = { DATABASE_URL: "", ONCELY_DATA_DIR: "", NODE_ENV: "", ONCELY_DEMO: "" };

describe("the API process", () => {
  it("stops on a bad value with one line naming the variable, the value and what is allowed", async () => {
    const run = await runToExit(SERVER_MAIN, { ...unset, PORT: "80a" }, { cwd });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('PORT="80a" is not allowed: expected an integer from 0 to 65535 (0 picks a free port)\n');
    expect(run.stdout).toBe("");
    noDatabaseStarted();
  });

  it("refuses NODE_ENV=production without DATABASE_URL in one line, starting no database", async () => {
    const run = await runToExit(SERVER_MAIN, { ...unset, NODE_ENV: "production" }, { cwd });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      "DATABASE_URL is not set: with NODE_ENV=production there is no embedded PostgreSQL; set DATABASE_URL=postgres://user:password@host:5432/database\n",
    );
    expect(run.stdout).toBe("");
    noDatabaseStarted();
  });
});

describe("the API process on a port that is taken", () => {
  it("stops with one line saying what to do", async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const run = await runToExit(SERVER_MAIN, { ...unset, DATABASE_URL: database.url, PORT: String(port) }, { cwd });
      expect(run.code).toBe(1);
      const fatal = run.stdout
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line))
        .filter((line) => line.level === 60);
      expect(fatal).toEqual([
        expect.objectContaining({
          code: "EADDRINUSE",
          msg: `127.0.0.1:${port} is in use by another process: set PORT to a free port (0 picks one)`,
        }),
      ]);
      expect(run.stderr).toBe("");
    } finally {
      taken.close();
    }
  });
});

describe("the sweep CLI", () => {
  it("never starts a database: without DATABASE_URL it stops with one line", async () => {
    const run = await runToExit(SWEEP_MAIN, unset, { cwd });
    expect(run.code).toBe(1);
    expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/^DATABASE_URL is not set: the sweep deletes expired keys in an existing PostgreSQL/);
    noDatabaseStarted();
  });

  it("deletes the expired keys of DATABASE_URL's database, and only those", async () => {
    const [alice] = await database.sql<{ id: string }[]>`SELECT id FROM principals WHERE name = 'alice'`;
    for (const [key, expires] of [
      ["expired", "now() - interval '1 minute'"],
      ["live", "now() + interval '1 day'"],
    ] as const) {
      await database.sql.unsafe(
        `INSERT INTO oncely_idempotency_keys (principal_id, key, request_path, fingerprint, status, response_status,
           response_body, expires_at)
         VALUES ($1, $2, 'orders.create', repeat('0', 64), 'completed', 200, '{}', ${expires})`,
        [alice?.id ?? "", key],
      );
    }
    const run = await runToExit(SWEEP_MAIN, { ...unset, DATABASE_URL: database.url }, { cwd });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ deleted: 1, msg: "Deleted 1 expired idempotency keys" });
    const left = await database.sql<{ key: string }[]>`SELECT key FROM oncely_idempotency_keys`;
    expect(left.map((row) => row.key)).toEqual(["live"]);
  });
});
