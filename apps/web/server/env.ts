import { z } from "zod";

// The web process's configuration, parsed from process.env once (on first use, not at import:
// `next build` loads these modules without any of it). A bad value stops the request with one
// line per variable naming what is allowed.

const MIN_SECRET_LENGTH = 32;

const schema = z.object({
  /** "1": demo mode (seeded alice and bob, the principal switch, the chaos panel). */
  ONCELY_DEMO: z
    .enum(["0", "1"], { error: 'must be "1" (demo mode) or "0"' })
    .default("0")
    .transform((value) => value === "1"),
  /** Signs session cookies (HMAC-SHA256). `pnpm start` makes one in .data for the demo. */
  ONCELY_SESSION_SECRET: z
    .string({ error: `must be set: a random secret of at least ${MIN_SECRET_LENGTH} characters` })
    .min(MIN_SECRET_LENGTH, { error: `must be at least ${MIN_SECRET_LENGTH} characters long` }),
  DATABASE_URL: z
    .string({ error: "must be set (the start script sets it after opening PostgreSQL)" })
    .regex(/^postgres(ql)?:\/\//, { error: "must be a postgres:// URL" }),
  DB_POOL_SIZE: z.coerce
    .number({ error: "must be a number" })
    .int({ error: "must be a whole number" })
    .min(1, { error: "must be at least 1" })
    .max(100, { error: "must be at most 100" })
    .default(10),
});

export interface WebEnv {
  demo: boolean;
  sessionSecret: string;
  databaseUrl: string;
  dbPoolSize: number;
}

let parsed: WebEnv | undefined;

/** The validated configuration; throws one readable line per bad variable. */
export function env(): WebEnv {
  parsed ??= parseEnv(process.env);
  return parsed;
}

export function parseEnv(source: Record<string, string | undefined>): WebEnv {
  const result = schema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`);
    throw new Error(`Invalid configuration of the web app:\n${lines.join("\n")}`);
  }
  const values = result.data;
  return {
    demo: values.ONCELY_DEMO,
    sessionSecret: values.ONCELY_SESSION_SECRET,
    databaseUrl: values.DATABASE_URL,
    dbPoolSize: values.DB_POOL_SIZE,
  };
}
