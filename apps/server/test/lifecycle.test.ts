import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnServer } from "./spawnServer";

// These tests run the built server on its own embedded PostgreSQL, as `pnpm start` does.
let root: string;
let dataDir: string;
// ONCELY_DEMO unset: on the embedded database demo mode is on by default.
const env = () => ({ ONCELY_DATA_DIR: dataDir, DATABASE_URL: "", ONCELY_DEMO: "", NODE_ENV: "" });

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), "oncely-server-"));
  // Run as root, PostgreSQL runs as user "postgres", which must be able to reach the directory.
  await fs.chmod(root, 0o755);
  dataDir = path.join(root, "postgres");
});
afterAll(async () => {
  // Belt and braces: never leave a cluster running if a test failed half way.
  if (existsSync(path.join(dataDir, "postmaster.pid"))) {
    const pid = Number((await fs.readFile(path.join(dataDir, "postmaster.pid"), "utf8")).split("\n")[0]);
    try {
      process.kill(pid, "SIGINT");
    } catch {}
  }
  await fs.rm(root, { recursive: true, force: true });
});

/** PIDs of postgres server processes serving this data directory. */
function postmastersFor(dir: string): number[] {
  const out = execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" });
  return out
    .split("\n")
    .filter((line) => line.includes("postgres") && line.includes(`-D ${dir}`))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

async function createOrder(url: string) {
  const accounts = await fetch(`${url}/accounts.list`, { headers: { authorization: "Bearer sk_test_alice" } });
  const list = ((await accounts.json()) as any).result.data as { id: string; kind: string }[];
  const account = list.find((a) => a.kind === "customer");
  const response = await fetch(`${url}/orders.create`, {
    method: "POST",
    headers: {
      authorization: "Bearer sk_test_alice",
      "content-type": "application/json",
      "idempotency-key": crypto.randomUUID(),
    },
    body: JSON.stringify({ accountId: account?.id, amount: 777, currency: "USD" }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as any).result.data as { id: string };
}

describe("apps/server on embedded PostgreSQL", () => {
  it("starts, says where its database is, answers /healthz and /readyz, and stops cleanly on SIGTERM", async () => {
    const server = await spawnServer(env());
    expect(server.output()).toMatch(/Embedded PostgreSQL started on 127\.0\.0\.1:\d+/);
    expect(server.output()).toContain('"demo":true');
    const health = await fetch(`${server.origin}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    const ready = await fetch(`${server.origin}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });
    expect(postmastersFor(dataDir)).toHaveLength(1);

    expect(await server.stop("SIGTERM")).toBe(0);
    expect(postmastersFor(dataDir)).toEqual([]);
    expect(existsSync(path.join(dataDir, "postmaster.pid"))).toBe(false);
  });

  it("keeps its data across a restart on the same data directory", async () => {
    const first = await spawnServer(env());
    const order = await createOrder(first.url);
    expect(await first.stop("SIGINT")).toBe(0);

    const second = await spawnServer(env());
    try {
      const response = await fetch(
        `${second.url}/orders.get?input=${encodeURIComponent(JSON.stringify({ orderId: order.id }))}`,
        {
          headers: { authorization: "Bearer sk_test_alice" },
        },
      );
      expect(response.status).toBe(200);
      expect(((await response.json()) as any).result.data.id).toBe(order.id);
    } finally {
      await second.stop();
    }
  });

  it("lets a second process attach to the running cluster, which stays up until its owner stops", async () => {
    const owner = await spawnServer(env());
    const guest = await spawnServer(env());
    try {
      expect(guest.output()).toContain("attached to the one already running");
      await createOrder(guest.url);
      expect(await guest.stop()).toBe(0);
      expect(postmastersFor(dataDir)).toHaveLength(1);
      const ready = await fetch(`${owner.origin}/readyz`);
      expect(ready.status).toBe(200);
    } finally {
      await owner.stop();
    }
    expect(postmastersFor(dataDir)).toEqual([]);
  });

  it("adopts the cluster a killed server left behind instead of failing on its lock", async () => {
    const crashed = await spawnServer(env());
    await crashed.stop("SIGKILL");
    expect(postmastersFor(dataDir)).toHaveLength(1); // the orphan, still running

    const next = await spawnServer(env());
    await createOrder(next.url);
    expect(await next.stop()).toBe(0);
    expect(postmastersFor(dataDir)).toEqual([]);
  });
});

describe("apps/server started as root from a directory the postgres user cannot enter", () => {
  it("runs its embedded PostgreSQL where that user can reach it, linked from .data/postgres", async () => {
    // Like a clone in /root (mode 700), started from there without any settings.
    const home = await fs.mkdtemp(path.join(os.tmpdir(), "oncely-home-"));
    await fs.chmod(home, 0o700);
    const linked = path.join(home, ".data", "postgres");
    let cluster: string | null = null;
    try {
      const server = await spawnServer(
        { DATABASE_URL: "", ONCELY_DATA_DIR: "", ONCELY_DEMO: "", NODE_ENV: "" },
        { cwd: home },
      );
      cluster = await fs.realpath(linked);
      try {
        const started = /Embedded PostgreSQL started on 127\.0\.0\.1:\d+ \(([^)]*)\)/.exec(server.output())?.[1];
        if (process.getuid?.() === 0) {
          expect(started).toBe(
            `data in ${cluster}, linked from .data/postgres because user postgres cannot enter ${home}`,
          );
          expect(cluster.startsWith(home)).toBe(false);
        } else {
          expect(started).toBe("data in .data/postgres");
        }
        expect((await fetch(`${server.origin}/readyz`)).status).toBe(200);
        await createOrder(server.url);
      } finally {
        expect(await server.stop()).toBe(0);
      }
      expect(postmastersFor(cluster)).toEqual([]);
    } finally {
      if (cluster) await fs.rm(cluster, { recursive: true, force: true });
      await fs.rm(home, { recursive: true, force: true });
    }
  });
});
