import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import postgres from "postgres";

// Oncely's SQL files (from the package), then the app's own.
const oncelySql = path.dirname(
  createRequire(import.meta.url).resolve("@oncely/idempotency/sql/0000_oncely_idempotency_keys.sql"),
);
const appSql = path.join(import.meta.dirname, "..", "migrations");

const sql = postgres(process.env.DATABASE_URL ?? "postgres://localhost/tips", { max: 1 });
for (const dir of [oncelySql, appSql]) {
  for (const file of (await readdir(dir)).filter((f) => f.endsWith(".sql")).sort()) {
    await sql.unsafe(await readFile(path.join(dir, file), "utf8"));
  }
}
await sql.end();
console.log("migrated");
