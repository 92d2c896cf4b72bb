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

/** Told about every process an instance starts, and every one that ended (the reaper is). */
export interface ProcessWatcher {
  started: (pid: number) => void;
  ended: (pid: number) => void;
}

/**
 * One apps/server process, started from its build as `pnpm start` does (`node dist/bin/main.js`),
 * on a port of its own (PORT=0), against the soak's PostgreSQL. It can be killed with
 * SIGKILL, mid-request, and started again: every start is a new process on a new port.
 * Each process leads a process group of its own (detached), and signals go to the group:
 * whatever it might start goes with it, and the reaper can kill it when the runner is gone.
 */
export class ServerInstance {
  state: InstanceState = "down";
  /** http://127.0.0.1:port while up. */
  origin: string | undefined;
  /** How many processes this instance has had (1 after the first start). */
  generation = 0;
  /** SIGSTOPped: still "up" to the balancer, but answers nothing and holds its locks. */
  frozen = false;
  /** Exits of serving processes that nobody asked for (crashes), with what they last wrote. */
  readonly crashes: { at: number; how: string; lastOutput: string }[] = [];
  /** The last process crashed: nothing restarts it but `restartIfCrashed`. */
  private crashed = false;
  /** A SIGKILL or SIGTERM was sent: the next exit is not a crash. */
  private expectingExit = false;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    private readonly env: Record<string, string>,
    private readonly logDir: string,
    private readonly watcher?: ProcessWatcher,
  ) {}

  /** The running process's pid (its process group's id too). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts a new process and resolves once it listens. */
  async start(): Promise<void> {
    if (this.state !== "down") throw new Error(`${this.name} is ${this.state}`);
    if (!fs.existsSync(SERVER_MAIN)) {
      throw new Error(`${SERVER_MAIN} is missing: build apps/server first (\`pnpm soak\` from the repo root does)`);
    }
    this.state = "starting";
    this.crashed = false;
    this.expectingExit = false;
    this.generation++;
    const log = fs.createWriteStream(path.join(this.logDir, `${this.name}.${this.generation}.log`));
    const child = spawn(process.execPath, ["--enable-source-maps", SERVER_MAIN], {
      cwd: SERVER_DIR,
      env: { ...process.env, ...this.env, PORT: "0", HOST: "127.0.0.1", ONCELY_DEMO: "1" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    this.child = child;
    const pid = child.pid;
    if (pid !== undefined) this.watcher?.started(pid);
    let tail = "";
    const keepTail = (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-3_000);
    };
    child.stdout?.on("data", keepTail);
    child.stderr?.on("data", keepTail);
    this.exited = new Promise((resolve) =>
      child.once("exit", (code, signal) => {
        if (pid !== undefined) this.watcher?.ended(pid);
        log.end();
        if (this.state === "up" && !this.expectingExit) {
          this.crashes.push({ at: Date.now(), how: signal ?? `exit code ${code}`, lastOutput: tail });
          this.crashed = true;
        }
        this.expectingExit = false;
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
        this.signal("SIGKILL");
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
    this.signal("SIGKILL");
    await this.exited;
    this.frozen = false;
  }

  /**
   * SIGSTOP: a stall (a long GC pause, a frozen VM). Its open transactions keep their locks
   * and its connections stay open, so duplicates of its requests wait, then get 409s.
   */
  freeze(): void {
    if (this.state !== "up" || this.frozen) return;
    this.signal("SIGSTOP");
    this.frozen = true;
  }

  /** SIGCONT: the stalled process carries on where it was. */
  thaw(): void {
    if (!this.frozen) return;
    this.signal("SIGCONT");
    this.frozen = false;
  }

  /** SIGTERM (graceful: finish in-flight requests), SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.thaw();
    this.signal("SIGTERM");
    const timer = setTimeout(() => this.signal("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Last resort on the way out (synchronous, for process "exit"). */
  killNow(): void {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.signal("SIGKILL");
  }

  /** Starts a process again if the last one crashed (see `crashes`); true if it did. */
  async restartIfCrashed(): Promise<boolean> {
    if (!this.crashed || this.state !== "down") return false;
    await this.start();
    return true;
  }

  /** Signals the process's group (see the class comment). */
  private signal(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    if (signal === "SIGKILL" || signal === "SIGTERM") this.expectingExit = true;
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  }
}
