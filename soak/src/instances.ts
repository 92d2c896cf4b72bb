import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "./options";

const SERVER_DIR = path.join(REPO_ROOT, "apps", "server");
/** The built server (`pnpm soak` builds it first), run as `pnpm start` runs it. */
const SERVER_MAIN = path.join(SERVER_DIR, "dist", "bin", "main.js");
const START_TIMEOUT_MS = 90_000;
const LISTENING = /Oncely API listening on (http:\/\/\S+)\/trpc/;

export type InstanceState = "starting" | "up" | "down";

/**
 * One apps/server process, started from its build as `pnpm start` does (`node dist/bin/main.js`),
 * on a port of its own (PORT=0), against the soak's PostgreSQL. It can be killed with
 * SIGKILL, mid-request, and started again: every start is a new process on a new port.
 */
export class ServerInstance {
  state: InstanceState = "down";
  /** http://127.0.0.1:port while up. */
  origin: string | undefined;
  /** How many processes this instance has had (1 after the first start). */
  generation = 0;
  /** SIGSTOPped: still "up" to the balancer, but answers nothing and holds its locks. */
  frozen = false;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    private readonly env: Record<string, string>,
    private readonly logDir: string,
  ) {}

  /** Starts a new process and resolves once it listens. */
  async start(): Promise<void> {
    if (this.state !== "down") throw new Error(`${this.name} is ${this.state}`);
    if (!fs.existsSync(SERVER_MAIN)) {
      throw new Error(`${SERVER_MAIN} is missing: build apps/server first (\`pnpm soak\` from the repo root does)`);
    }
    this.state = "starting";
    this.generation++;
    const log = fs.createWriteStream(path.join(this.logDir, `${this.name}.${this.generation}.log`));
    const child = spawn(process.execPath, ["--enable-source-maps", SERVER_MAIN], {
      cwd: SERVER_DIR,
      env: { ...process.env, ...this.env, PORT: "0", HOST: "127.0.0.1", ONCELY_DEMO: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    this.exited = new Promise((resolve) =>
      child.once("exit", () => {
        log.end();
        this.state = "down";
        this.origin = undefined;
        resolve();
      }),
    );
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });

    let output = "";
    const origin = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`${this.name} did not listen within ${START_TIMEOUT_MS} ms:\n${output.slice(-2_000)}`));
      }, START_TIMEOUT_MS);
      const onData = (chunk: Buffer) => {
        output += chunk;
        const match = LISTENING.exec(output);
        if (match?.[1]) {
          clearTimeout(timer);
          child.stdout?.off("data", onData);
          resolve(match[1]);
        }
      };
      child.stdout?.on("data", onData);
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (${signal ?? code}) before listening:\n${output.slice(-2_000)}`));
      });
    });
    this.origin = origin;
    this.state = "up";
  }

  /** SIGKILL: no draining, no closing; in-flight transactions die with the connection. */
  async kill(): Promise<void> {
    this.child?.kill("SIGKILL");
    await this.exited;
    this.frozen = false;
  }

  /**
   * SIGSTOP: a stall (a long GC pause, a frozen VM). Its open transactions keep their locks
   * and its connections stay open, so duplicates of its requests wait, then get 409s.
   */
  freeze(): void {
    if (this.state !== "up" || this.frozen) return;
    this.child?.kill("SIGSTOP");
    this.frozen = true;
  }

  /** SIGCONT: the stalled process carries on where it was. */
  thaw(): void {
    if (!this.frozen) return;
    this.child?.kill("SIGCONT");
    this.frozen = false;
  }

  /** SIGTERM (graceful: finish in-flight requests), SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.thaw();
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child?.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Last resort on the way out (synchronous, for process "exit"). */
  killNow(): void {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }
}
