import { randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { generateDrizzleJson, generateMigration } from "drizzle-kit/api";
import patchedPostgres from "postgres";
import { inject } from "vitest";
import { type ConnectOptions, connect } from "./fixtures/appDatabase";
import * as appSchema from "./fixtures/appSchema";

export type { AppDatabase, Driver } from "./fixtures/appDatabase";

/** The folder of SQL files the package ships. */
export const SQL_DIR = path.join(import.meta.dirname, "..", "sql");

/** Applies the package's sql/ files in file-name order, as an app without drizzle-kit would. */
export async function applyShippedSql(sql: ReturnType<typeof connect>["sql"]): Promise<string[]> {
  const files = (await readdir(SQL_DIR)).filter((f) => f.endsWith(".sql")).sort();
  for (const file of files) await sql.unsafe(await readFile(path.join(SQL_DIR, file), "utf8"));
  return files;
}

/**
 * A fresh database for one test file on the run's PostgreSQL: the package's SQL files applied,
 * then the test app's own tables (created from their Drizzle definitions by drizzle-kit).
 */
export async function createEngineDatabase(options: ConnectOptions = {}) {
  const adminUrl = inject("oncelyPostgresUrl");
  const name = `engine_test_${randomBytes(6).toString("hex")}`;
  const admin = patchedPostgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const { sql, db } = connect(url.toString(), options);
  await applyShippedSql(sql);
  for (const statement of await generateMigration(generateDrizzleJson({}), generateDrizzleJson({ ...appSchema }))) {
    await sql.unsafe(statement);
  }
  return {
    url: url.toString(),
    name,
    sql,
    db,
    drop: async () => {
      await sql.end({ timeout: 5 });
      const dropper = patchedPostgres(adminUrl, { max: 1, onnotice: () => {} });
      try {
        await dropper.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await dropper.end({ timeout: 5 });
      }
    },
  };
}

export type EngineDatabase = Awaited<ReturnType<typeof createEngineDatabase>>;
