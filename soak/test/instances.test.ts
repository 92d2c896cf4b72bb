import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createTestDatabase, type TestDatabase } from "@oncely/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServerInstance } from "../src/instances";

/**
 * The soak tells a crash (an API process that exits by itself, e.g. on an unhandled
 * rejection) from the kills it deals out itself: only the first is a finding, and only that
 * one is started again by `restartIfCrashed`.
 */

let database: TestDatabase;
let logDir: string;

beforeAll(async () => {
  database = await createTestDatabase({ max: 2 });
  logDir = await fs.mkdtemp(path.join(os.tmpdir(), "oncely-instances-test-"));
});
afterAll(async () => {
  await database?.drop();
  await fs.rm(logDir, { recursive: true, force: true });
});

describe("ServerInstance", () => {
  it("records an exit nobody asked for as a crash, with its last output, and starts it again", {
    timeout: 180_000,
  }, async () => {
    const instance = new ServerInstance("api-test", { DATABASE_URL: database.url, DB_POOL_SIZE: "2" }, logDir);
    try {
      await instance.start();
      // Killed by the soak: not a crash, and not started again.
      await instance.kill();
      expect(instance.crashes).toEqual([]);
      expect(await instance.restartIfCrashed()).toBe(false);

      await instance.start();
      const pid = instance.pid as number;
      const exited = new Promise<void>((resolve) => {
        const poll = setInterval(() => {
          if (instance.state === "down") {
            clearInterval(poll);
            resolve();
          }
        }, 20);
      });
      // Dies by itself, as far as the soak knows (as on an unhandled rejection).
      process.kill(pid, "SIGABRT");
      await exited;
      expect(instance.crashes).toEqual([
        expect.objectContaining({ how: "SIGABRT", lastOutput: expect.stringContaining("Oncely API listening") }),
      ]);
      expect(await instance.restartIfCrashed()).toBe(true);
      expect(instance.state).toBe("up");
    } finally {
      await instance.kill();
    }
  });
});
