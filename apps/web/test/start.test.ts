import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { createTestDatabase, type TestDatabase } from "@oncely/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "./nextServer";

// `pnpm start` stopped with Ctrl-C (SIGINT to the whole foreground process group) or with
// SIGTERM to pnpm alone (what a process manager sends): everything stops and pnpm exits 0.
// Runs pnpm exactly as a person does, from the repository root, against this file's database.

const REPO = path.resolve(import.meta.dirname, "..", "..", "..");
const READY_TIMEOUT_MS = 90_000;

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `pnpm --filter @oncely/web start` in a process group of its own (as a terminal would run it). */
async function startWeb(env: Record<string, string | undefined>): Promise<Started> {
  const port = await freePort();
  const child = spawn("pnpm", ["--filter", "@oncely/web", "start"], {
    cwd: REPO,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PORT: String(port), DATABASE_URL: database.url, NEXT_TELEMETRY_DISABLED: "1", ...env },
  });
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

async function waitUntilReady(started: Started): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready:\n${started.output()}`)), READY_TIMEOUT_MS);
    const check = () => {
      if (/Ready in/.test(started.output())) {
        clearTimeout(timer);
        started.child.stdout?.off("data", check);
        resolve();
      }
    };
    started.child.stdout?.on("data", check);
    void started.exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`exited before it was ready:\n${started.output()}`));
    });
    check();
  });
}

/** Whether any process of the group is still there. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Leaves nothing behind, whatever happened in the test. */
function reap(started: Started): void {
  const pid = started.child.pid;
  if (pid && groupAlive(pid)) process.kill(-pid, "SIGKILL");
}

describe("stopping pnpm start", () => {
  for (const [how, stop] of [
    ["Ctrl-C (SIGINT to the whole process group)", (pid: number) => process.kill(-pid, "SIGINT")],
    ["SIGTERM to pnpm", (pid: number) => process.kill(pid, "SIGTERM")],
  ] as const) {
    it(`with ${how} stops Next and exits 0`, async () => {
      const started = await startWeb({ ONCELY_DEMO: "1", ONCELY_SESSION_SECRET: "start-test-secret-".repeat(3) });
      try {
        await waitUntilReady(started);
        const pid = started.child.pid ?? 0;
        stop(pid);
        const { code, signal } = await started.exited;
        expect({ code, signal }, started.output()).toEqual({ code: 0, signal: null });
        expect(started.output()).not.toMatch(/ELIFECYCLE|ERR_PNPM/);
        // Nothing of the group is left: Next and the start script have exited too.
        for (let i = 0; i < 50 && groupAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
        expect(groupAlive(pid)).toBe(false);
      } finally {
        reap(started);
      }
    });
  }

  it("refuses to start outside demo mode without a session secret, in one line naming it", async () => {
    const started = await startWeb({ ONCELY_DEMO: "0", ONCELY_SESSION_SECRET: undefined });
    try {
      const { code } = await started.exited;
      expect(code).not.toBe(0);
      expect(started.output()).toContain(
        "ONCELY_SESSION_SECRET must be set: a random secret of at least 32 characters",
      );
      expect(started.output()).not.toContain("Ready in");
    } finally {
      reap(started);
    }
  });
});
