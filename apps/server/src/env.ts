import { z } from "zod";

/**
 * The API process's configuration: every environment variable it reads, parsed once at start.
 * The rest of the code gets typed values. A bad value stops the process with one line naming
 * the variable, the value and what is allowed (README.md has the table).
 */

export interface ServerConfig {
  port: number;
  host: string;
  /** Unset: the embedded PostgreSQL (never with NODE_ENV=production). */
  databaseUrl: string | undefined;
  /** The embedded cluster's directory (unset: `<repo>/.data/postgres`). */
  dataDir: string | undefined;
  production: boolean;
  poolSize: number;
  /** Seed alice and bob, and put the chaos layer in the procedure chain. */
  demo: boolean;
  logLevel: LogLevel;
  /** 0: no sweeper in this process. */
  sweepIntervalMs: number;
  sweepBatchSize: number;
  /** 0: no outbox worker in this process. */
  outboxPollMs: number;
  outboxMaxSendMs: number;
}

export interface SweepConfig {
  databaseUrl: string;
  sweepBatchSize: number;
  logLevel: LogLevel;
}

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A configuration the process must not start with; the message is the one line to print. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

type Env = Record<string, string | undefined>;

/** One variable: how to read it, and what is allowed, in words, for the error line. */
interface Variable<T> {
  allowed: string;
  schema: z.ZodType<T, string>;
  /** The value as shown in an error (DATABASE_URL hides its password). */
  show?: (raw: string) => string;
}

const integer = (min: number, max: number, allowed: string): Variable<number> => ({
  allowed,
  schema: z.string().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(min).max(max)),
});

const VARIABLES = {
  PORT: integer(0, 65_535, "an integer from 0 to 65535 (0 picks a free port)"),
  HOST: {
    allowed: "a host name or IP address to listen on, e.g. 127.0.0.1 or 0.0.0.0",
    schema: z.string().regex(/^[A-Za-z0-9.:_%[\]-]+$/),
  },
  DATABASE_URL: {
    allowed: "a postgres:// or postgresql:// URL, e.g. postgres://user:password@host:5432/database",
    schema: z.string().refine((value) => {
      try {
        return ["postgres:", "postgresql:"].includes(new URL(value).protocol);
      } catch {
        return false;
      }
    }),
    show: (raw: string) => raw.replace(/:\/\/([^:@/]*):[^@/]*@/, "://$1:***@"),
  },
  ONCELY_DATA_DIR: { allowed: "a directory path", schema: z.string().min(1) },
  NODE_ENV: {
    allowed: "production, development or test",
    schema: z.enum(["production", "development", "test"]),
  },
  DB_POOL_SIZE: integer(1, 1_000, "an integer from 1 to 1000"),
  ONCELY_DEMO: {
    allowed: "1 (demo mode on) or 0 (off)",
    schema: z.enum(["0", "1"]).transform((value) => value === "1"),
  },
  LOG_LEVEL: { allowed: LOG_LEVELS.join(", "), schema: z.enum(LOG_LEVELS) },
  SWEEP_INTERVAL_MS: integer(0, 86_400_000, "0 (no sweeper) or milliseconds up to 86400000 (one day)"),
  SWEEP_BATCH_SIZE: integer(1, 100_000, "an integer from 1 to 100000"),
  OUTBOX_POLL_MS: integer(0, 3_600_000, "0 (no outbox worker) or milliseconds up to 3600000 (one hour)"),
  OUTBOX_MAX_SEND_MS: integer(1_000, 600_000, "milliseconds from 1000 to 600000"),
} satisfies Record<string, Variable<unknown>>;

type Name = keyof typeof VARIABLES;
type Values = { [K in Name]: z.output<(typeof VARIABLES)[K]["schema"]> | undefined };

/**
 * Reads the given variables; an empty string counts as unset. Every bad value is named in
 * the one line of the ConfigError.
 */
function read<N extends Name>(env: Env, names: readonly N[]): Pick<Values, N> {
  const values: Partial<Values> = {};
  const problems: string[] = [];
  for (const name of names) {
    const raw = env[name];
    if (raw === undefined || raw === "") continue;
    const variable: Variable<unknown> = VARIABLES[name];
    const parsed = variable.schema.safeParse(raw);
    if (parsed.success) (values as Record<string, unknown>)[name] = parsed.data;
    else
      problems.push(
        `${name}=${JSON.stringify(variable.show?.(raw) ?? raw)} is not allowed: expected ${variable.allowed}`,
      );
  }
  if (problems.length > 0) throw new ConfigError(problems.join("; "));
  return values as Pick<Values, N>;
}

const SERVER_VARIABLES = [
  "PORT",
  "HOST",
  "DATABASE_URL",
  "ONCELY_DATA_DIR",
  "NODE_ENV",
  "DB_POOL_SIZE",
  "ONCELY_DEMO",
  "LOG_LEVEL",
  "SWEEP_INTERVAL_MS",
  "SWEEP_BATCH_SIZE",
  "OUTBOX_POLL_MS",
  "OUTBOX_MAX_SEND_MS",
] as const satisfies readonly Name[];

/** The API process's configuration, with its defaults. */
export function parseServerConfig(env: Env): ServerConfig {
  const values = read(env, SERVER_VARIABLES);
  const production = values.NODE_ENV === "production";
  if (production && values.DATABASE_URL === undefined) {
    throw new ConfigError(
      "DATABASE_URL is not set: with NODE_ENV=production there is no embedded PostgreSQL; set DATABASE_URL=postgres://user:password@host:5432/database",
    );
  }
  const embedded = values.DATABASE_URL === undefined;
  return {
    port: values.PORT ?? 4000,
    host: values.HOST ?? "127.0.0.1",
    databaseUrl: values.DATABASE_URL,
    dataDir: values.ONCELY_DATA_DIR,
    production,
    poolSize: values.DB_POOL_SIZE ?? 10,
    // Demo mode by default only on the embedded (local, throwaway) database: a real database
    // gets no well-known API keys and no fault injection unless asked for with ONCELY_DEMO=1.
    demo: values.ONCELY_DEMO ?? (embedded && !production),
    logLevel: values.LOG_LEVEL ?? "info",
    sweepIntervalMs: values.SWEEP_INTERVAL_MS ?? 60_000,
    sweepBatchSize: values.SWEEP_BATCH_SIZE ?? 1_000,
    outboxPollMs: values.OUTBOX_POLL_MS ?? 1_000,
    outboxMaxSendMs: values.OUTBOX_MAX_SEND_MS ?? 60_000,
  };
}

/** The sweep CLI's configuration: it connects to a database, it never starts one. */
export function parseSweepConfig(env: Env): SweepConfig {
  const values = read(env, ["DATABASE_URL", "SWEEP_BATCH_SIZE", "LOG_LEVEL"] as const);
  if (values.DATABASE_URL === undefined) {
    throw new ConfigError(
      "DATABASE_URL is not set: the sweep deletes expired keys in an existing PostgreSQL and never starts one; set DATABASE_URL (the API server prints the embedded one's when it starts)",
    );
  }
  return {
    databaseUrl: values.DATABASE_URL,
    sweepBatchSize: values.SWEEP_BATCH_SIZE ?? 1_000,
    logLevel: values.LOG_LEVEL ?? "info",
  };
}

/** Parses with `parse`, or prints the one line and sets the exit code; null then. */
export function configOrExit<T>(parse: (env: Env) => T, env: Env = process.env): T | null {
  try {
    return parse(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
    return null;
  }
}
