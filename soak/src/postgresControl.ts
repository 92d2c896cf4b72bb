import { readdirSync, readFileSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { runAsPostgres } from "@oncely/db/setup";

/**
 * Hard faults and restarts of the soak's PostgreSQL, through its own files: `postmaster.pid`
 * (line 1: the postmaster's pid) and `postmaster.opts` (the command line it was started with,
 * which `pg_ctl restart` reuses and a start after a crash repeats). Same data directory, same
 * port, so the fault proxy and the audit's pool find it again.
 */
export class PostgresControl {
  constructor(readonly dataDir: string) {}

  /** The running postmaster's pid, or null (not running, or a stale postmaster.pid). */
  postmasterPid(): number | null {
    return postmasterPidOf(this.dataDir);
  }

  /**
   * kill -9 of the postmaster, as the OOM killer or a crashing host would do it: no shutdown
   * checkpoint. Its backends notice their postmaster is gone and exit; any still there after
   * `graceMs` are killed too (a new postmaster refuses to start while they hold the old
   * shared memory). The next start runs crash recovery from the WAL.
   */
  async killHard(graceMs = 5_000): Promise<{ pid: number; stragglers: number }> {
    const pid = this.postmasterPid();
    if (pid === null) throw new Error(`no PostgreSQL is running in ${this.dataDir}`);
    const children = childrenOf(pid);
    process.kill(pid, "SIGKILL");
    const deadline = Date.now() + graceMs;
    let alive = [pid, ...children].filter(isRunning);
    while (alive.length > 0 && Date.now() < deadline) {
      await sleep(50);
      alive = alive.filter(isRunning);
    }
    for (const straggler of alive) killQuietly(straggler);
    const gone = Date.now() + 30_000;
    while ([pid, ...children].some(isRunning)) {
      if (Date.now() > gone) throw new Error(`PostgreSQL processes of ${pid} outlived SIGKILL for 30 s`);
      await sleep(20);
    }
    // The dead postmaster may linger as a zombie until whoever adopted it collects it (some
    // containers' pid 1 takes its time), and a new postmaster would take the zombie's pid in
    // postmaster.pid for a live server. Nothing of the old cluster runs any more: the lock is
    // stale, as after a machine crash, where PostgreSQL would find no process at all.
    await fs.rm(path.join(this.dataDir, "postmaster.pid"), { force: true });
    return { pid, stragglers: alive.length };
  }

  /** Starts the cluster again with the options it last ran with; resolves once it accepts connections. */
  async start(): Promise<void> {
    const options = await this.serverOptions();
    await this.pgCtl(["start", "-D", this.dataDir, "-w", "-t", "120", "-l", this.logFile(), "-o", options]);
  }

  /** `pg_ctl restart -m fast`: sessions are terminated (57P01), a shutdown checkpoint, a start. */
  async restartFast(): Promise<void> {
    await this.pgCtl(["restart", "-D", this.dataDir, "-m", "fast", "-w", "-t", "120", "-l", this.logFile()]);
  }

  private logFile() {
    return path.join(this.dataDir, "server.log");
  }

  /** The arguments after the binary in postmaster.opts, quoted as PostgreSQL wrote them. */
  private async serverOptions(): Promise<string> {
    const opts = (await fs.readFile(path.join(this.dataDir, "postmaster.opts"), "utf8")).trim();
    const firstQuote = opts.indexOf(' "');
    if (firstQuote < 0) throw new Error(`unexpected postmaster.opts: ${opts}`);
    return opts.slice(firstQuote + 1);
  }

  private async pgCtl(args: string[]): Promise<void> {
    const binary = (await fs.readFile(path.join(this.dataDir, "postmaster.opts"), "utf8")).split(" ")[0] ?? "";
    // As root, PostgreSQL runs as "postgres" (how @oncely/db's embedded cluster was set up).
    await runAsPostgres(path.join(path.dirname(binary), "pg_ctl"), args);
  }
}

/** The postmaster pid in `<dataDir>/postmaster.pid`, if that process is alive. */
function postmasterPidOf(dataDir: string): number | null {
  try {
    const pid = Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 && isRunning(pid) ? pid : null;
  } catch {
    return null;
  }
}

/**
 * SIGKILLs a postmaster and every process it started, and anything else whose command line
 * names the data directory (a `pg_ctl start` under way, about to start one), at once and
 * synchronously (for the reaper). True if it found anything.
 */
export function killPostgresNow(dataDir: string): boolean {
  const pid = postmasterPidOf(dataDir);
  const targets = new Set(pid === null ? [] : [pid, ...childrenOf(pid)]);
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(dataDir)) targets.add(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  const running = [...targets].filter(isRunning);
  for (const target of running) killQuietly(target);
  return running.length > 0;
}

/** Pids whose parent is `pid` (from /proc: field 4 of /proc/<pid>/stat). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat?.ppid === pid) children.push(Number(entry));
  }
  return children;
}

/** Alive and not a zombie (a zombie has exited; only its parent has not collected it yet). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  return procStat(pid)?.state !== "Z";
}

function procStat(pid: number): { state: string; ppid: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
    const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state: state ?? "", ppid: Number(ppid) };
  } catch {
    return null;
  }
}

function killQuietly(pid: number) {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}
