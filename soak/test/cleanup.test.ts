import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isRunning } from "../src/postgresControl";

/**
 * A soak runner that dies, SIGKILLed or SIGTERMed mid-run, leaves nothing behind: no API
 * instance, no PostgreSQL (which runs in a session of its own, under pg_ctl), no proxy or
 * balancer port, no temporary directory. The real runner (src/main.ts) is started, with its
 * database faults on, and killed once its traffic and chaos are under way.
 */

const SOAK_DIR = path.resolve(import.meta.dirname, "..");
const STARTED = /traffic and chaos for \d+ s through http:\/\/127\.0\.0\.1:(\d+)/;

interface Seen {
  reaper?: number;
  root?: string;
  postmaster?: number;
  postgresPort?: number;
  instances: number[];
  balancerPort?: number;
}

let runner: ChildProcess | undefined;
let seen: Seen = { instances: [] };

/**
 * Every live process of the run: a postmaster names the run's directory on its command line,
 * an API instance (whichever restart it is) in its environment (ONCELY_SOAK_RUN).
 */
function processesOf(root: string): number[] {
  const mentions = (pid: string, file: string) => {
    try {
      return readFileSync(`/proc/${pid}/${file}`, "utf8").includes(root);
    } catch {
      return false;
    }
  };
  return readdirSync("/proc")
    .filter((pid) => /^\d+$/.test(pid) && Number(pid) !== process.pid)
    .filter((pid) => (mentions(pid, "cmdline") || mentions(pid, "environ")) && isRunning(Number(pid)))
    .map(Number);
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** What is still there of the run (empty when it cleaned up). */
async function leftovers(): Promise<string[]> {
  const left: string[] = [];
  for (const pid of seen.instances) if (isRunning(pid)) left.push(`API instance ${pid}`);
  if (seen.postmaster && isRunning(seen.postmaster)) left.push(`postmaster ${seen.postmaster}`);
  if (seen.reaper && isRunning(seen.reaper)) left.push(`reaper ${seen.reaper}`);
  if (seen.root) {
    for (const pid of processesOf(seen.root)) left.push(`process ${pid} of the run`);
    if (existsSync(seen.root)) left.push(`directory ${seen.root}`);
  }
  for (const [what, port] of [
    ["PostgreSQL", seen.postgresPort],
    ["balancer", seen.balancerPort],
  ] as const) {
    if (port && (await portOpen(port))) left.push(`${what} port ${port}`);
  }
  return left;
}

/** Starts the runner and resolves once it sends traffic (everything is up by then). */
function startRunner(): Promise<void> {
  // The report is never written: the runner dies first.
  const report = path.join(os.tmpdir(), "oncely-cleanup-test.md");
  runner = spawn(
    process.execPath,
    ["--import", "tsx", "src/main.ts", "--duration", "60", "--instances", "2", "--clients", "2", "--report", report],
    { cwd: SOAK_DIR, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  runner.stderr?.resume();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the runner did not start:\n${output}`)), 120_000);
    runner?.stdout?.on("data", (chunk: Buffer) => {
      output += chunk;
      const reaper = /reaper pid (\d+)/.exec(output);
      const postgres = /PostgreSQL ready in (\S+) \(pid (\d+), port (\d+)\)/.exec(output);
      const instances = /instances up: (.*)/.exec(output);
      const started = STARTED.exec(output);
      if (reaper) seen.reaper = Number(reaper[1]);
      if (postgres) {
        seen.root = postgres[1];
        seen.postmaster = Number(postgres[2]);
        seen.postgresPort = Number(postgres[3]);
      }
      if (instances?.[1]) seen.instances = [...instances[1].matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
      if (started) {
        seen.balancerPort = Number(started[1]);
        clearTimeout(timer);
        resolve();
      }
    });
    runner?.once("exit", (code) => reject(new Error(`the runner exited (${code}) before its traffic:\n${output}`)));
  });
}

afterEach(async () => {
  // Whatever the outcome, leave the machine as it was (this is not what is being tested).
  runner?.kill("SIGKILL");
  for (const pid of [...seen.instances, seen.postmaster ?? 0, seen.reaper ?? 0]) {
    if (pid > 0 && isRunning(pid)) process.kill(pid, "SIGKILL");
  }
  if (seen.root) {
    for (const pid of processesOf(seen.root)) process.kill(pid, "SIGKILL");
    rmSync(seen.root, { recursive: true, force: true });
  }
  seen = { instances: [] };
});

describe.each(["SIGKILL", "SIGTERM"] as const)("a runner that gets %s mid-run", (signal) => {
  it("leaves no API instance, PostgreSQL, port or directory behind", { timeout: 240_000 }, async () => {
    await startRunner();
    // Mid-run: a moment into the traffic, database faults and instance chaos.
    await new Promise((resolve) => setTimeout(resolve, 1_000 + Math.random() * 3_000));
    expect(seen.instances.length).toBe(2);
    expect(seen.postmaster).toBeGreaterThan(0);
    expect(await leftovers()).not.toEqual([]);

    runner?.kill(signal);
    let left = await leftovers();
    for (let waited = 0; left.length > 0 && waited < 60_000; waited += 250) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      left = await leftovers();
    }
    expect(left).toEqual([]);
  });
});
