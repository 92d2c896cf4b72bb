// `pnpm --filter @oncely/web start` (or `dev` with --dev): open PostgreSQL (DATABASE_URL, or
// the embedded cluster in <repo>/.data/postgres), seed the demo principals in demo mode (on by
// default only with the embedded cluster: server/demoMode.ts), then run Next with DATABASE_URL and the session secret set (the demo makes
// one at first start and keeps it in .data). Ctrl-C stops Next, then the database.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { constants } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createDbClient, seedDemo } from "@oncely/db";
import { type OpenedDatabase, openDatabase } from "@oncely/db/setup";
import { demoModeFrom } from "../server/demoMode";
import { parseEnv } from "../server/env";

const APP_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dev = process.argv.includes("--dev");
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";
const demo = demoModeFrom(process.env);
const sessionSecret = process.env.ONCELY_SESSION_SECRET ?? (demo ? demoSessionSecret() : undefined);

if (!Number.isInteger(port) || port < 0 || port > 65_535) fail(`PORT must be a port number, got ${process.env.PORT}`);
if (!dev && !existsSync(path.join(APP_DIR, ".next", "BUILD_ID"))) {
  fail("No production build in apps/web/.next: run `pnpm start` from the repo root (it builds first).");
}

// The check the Next process makes on its first request, made before anything starts.
try {
  const url = process.env.DATABASE_URL ?? "postgres://embedded";
  parseEnv({ ...process.env, DATABASE_URL: url, ONCELY_DEMO: demo ? "1" : "0", ONCELY_SESSION_SECRET: sessionSecret });
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}

let database: OpenedDatabase;
try {
  database = await openDatabase();
} catch (error) {
  fail(`Could not open the database: ${error instanceof Error ? error.message : String(error)}`);
}

let exitCode: number;
try {
  const nextEnv = {
    ...process.env,
    DATABASE_URL: database.url,
    ONCELY_DEMO: demo ? "1" : "0",
    ONCELY_SESSION_SECRET: sessionSecret,
  };
  if (demo) await seed(database.url);
  exitCode = await runNext(nextEnv);
} catch (error) {
  console.error(error);
  exitCode = 1;
}

try {
  // Stops the embedded PostgreSQL if this process started it; otherwise only lets go.
  await database.close();
} catch (error) {
  console.error("Stopping PostgreSQL failed:", error);
  exitCode ||= 1;
}
process.exit(exitCode);

async function seed(url: string): Promise<void> {
  const client = createDbClient(url, { max: 1, applicationName: "oncely-web-seed" });
  try {
    await seedDemo(client.db);
  } finally {
    await client.close();
  }
  console.log("Demo mode: principals alice (sk_test_alice) and bob (sk_test_bob) are ready");
}

/**
 * The demo's session secret: made at the first start (256 random bits) and kept in
 * `<repo>/.data/web-session-secret` (readable by this user only), so sessions survive a restart.
 */
function demoSessionSecret(): string {
  const dataDir = process.env.ONCELY_DATA_DIR
    ? path.dirname(path.resolve(process.env.ONCELY_DATA_DIR))
    : path.resolve(APP_DIR, "..", "..", ".data");
  const file = path.join(dataDir, "web-session-secret");
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    try {
      writeFileSync(file, `${randomBytes(32).toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
      console.log(`Demo mode: made a session secret in ${path.relative(process.cwd(), file) || file}`);
    } catch (error) {
      // Another start made it first: use theirs.
      if ((error as { code?: string }).code !== "EEXIST") throw error;
    }
  }
  return readFileSync(file, "utf8").trim();
}

/** Runs `next start` (or `next dev`) until it exits; resolves with the exit code to use. */
function runNext(nextEnv: NodeJS.ProcessEnv): Promise<number> {
  const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");
  const next: ChildProcess = spawn(
    process.execPath,
    [nextBin, dev ? "dev" : "start", "--port", String(port), "--hostname", host],
    { cwd: APP_DIR, stdio: "inherit", env: nextEnv },
  );
  const shownHost = ["127.0.0.1", "0.0.0.0", "::"].includes(host) ? "localhost" : host;
  console.log(`Oncely web (${dev ? "development" : "production"}) on http://${shownHost}:${port}`);

  let stopping: NodeJS.Signals | undefined;
  const forward = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = signal;
    console.log(`${signal}: stopping Next, then the database`);
    next.kill(signal);
  };
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);

  return new Promise((resolve) => {
    next.once("error", (error) => {
      console.error("Could not start Next:", error);
      resolve(1);
    });
    next.once("exit", (code, signal) => {
      // Ended by the signal we forwarded (Next exits with 128 + its number, or dies of it):
      // a requested shutdown, so success, like apps/server.
      if (stopping && (code === null || code === 0 || code === 128 + (constants.signals[stopping] ?? 0))) {
        return resolve(0);
      }
      if (code !== null) return resolve(code);
      resolve(128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}
