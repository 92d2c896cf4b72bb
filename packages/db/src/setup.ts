import { existsSync } from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "./embedded";
import { DbError } from "./errors";
import { migrateDatabase } from "./migrate";

export interface OpenDatabaseOptions {
  /** Connection URL. Default: `DATABASE_URL`; unset means embedded PostgreSQL. */
  url?: string;
  /** Embedded cluster directory. Default: `ONCELY_DATA_DIR` or `<repo>/.data/postgres`. */
  dataDir?: string;
  /** Database created and used inside the embedded cluster. Default "oncely". */
  database?: string;
  /** Where to say what happened. Default: console.log. */
  log?: (message: string) => void;
  /**
   * Whether a missing `url` may start the embedded PostgreSQL. Default: not when
   * NODE_ENV=production (a production process without DATABASE_URL is a mistake to stop at).
   */
  allowEmbedded?: boolean;
}

export interface OpenedDatabase {
  url: string;
  /** The embedded cluster, when one is used. */
  embedded: EmbeddedPostgres | null;
  /** Stops the embedded cluster if this process owns it. */
  close: () => Promise<void>;
}

/**
 * What every Oncely process does at boot: find PostgreSQL (DATABASE_URL, or the embedded
 * cluster in `.data/postgres`, started or attached to), then apply pending migrations.
 */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<OpenedDatabase> {
  const log = options.log ?? console.log;
  const url = options.url || process.env.DATABASE_URL;
  if (url) {
    await migrateDatabase(url);
    log(`Using PostgreSQL from DATABASE_URL (${redact(url)})`);
    return { url, embedded: null, close: async () => {} };
  }

  if (!(options.allowEmbedded ?? process.env.NODE_ENV !== "production")) {
    throw new DbError(
      "DATABASE_URL_REQUIRED",
      "DATABASE_URL is not set: with NODE_ENV=production there is no embedded PostgreSQL; set DATABASE_URL=postgres://user:password@host:5432/database",
    );
  }
  // An empty variable counts as unset.
  const dataDir = options.dataDir || process.env.ONCELY_DATA_DIR || defaultDataDir();
  const embedded = await startEmbeddedPostgres({ dataDir });
  const database = options.database ?? "oncely";
  const databaseUrl = embedded.databaseUrl(database);
  try {
    await createDatabaseIfMissing(embedded.url, database);
    await migrateDatabase(databaseUrl);
  } catch (error) {
    // Do not leave a cluster we started running without an owner.
    await embedded.stop().catch(() => {});
    throw error;
  }
  const how = embedded.owner ? "started" : "attached to the one already running";
  const where = embedded.relocated
    ? `data in ${embedded.dataDir}, linked from ${displayPath(embedded.relocated.from)}${embedded.relocated.reason ? ` because ${embedded.relocated.reason}` : ""}`
    : `data in ${displayPath(embedded.dataDir)}`;
  log(`Embedded PostgreSQL ${how} on 127.0.0.1:${embedded.port} (${where}); DATABASE_URL=${databaseUrl}`);
  return { url: databaseUrl, embedded, close: embedded.stop };
}

export async function createDatabaseIfMissing(adminUrl: string, database: string): Promise<void> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const found = await sql`SELECT 1 FROM pg_database WHERE datname = ${database}`;
    if (found.length > 0) return;
    await sql.unsafe(`CREATE DATABASE "${database.replaceAll('"', '""')}"`).catch((error) => {
      // 42P04 duplicate_database: another process created it first.
      if ((error as { code?: string }).code !== "42P04") throw error;
    });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** `<repo root>/.data/postgres`, so the web app and the API server share one cluster. */
function defaultDataDir(): string {
  let dir = process.cwd();
  while (!existsSync(path.join(dir, "pnpm-workspace.yaml"))) {
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(".data", "postgres");
    dir = parent;
  }
  return path.join(dir, ".data", "postgres");
}

function displayPath(dir: string): string {
  const relative = path.relative(process.cwd(), dir);
  return relative.startsWith("..") ? dir : relative;
}

function redact(url: string): string {
  return url.replace(/:\/\/([^:@/]+):[^@/]*@/, "://$1:***@");
}
