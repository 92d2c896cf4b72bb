import { describe, expect, it } from "vitest";
import { ConfigError, parseServerConfig, parseSweepConfig } from "../src/env";

const URL = "postgres://oncely:s3cret@db.internal:5432/oncely";

/** The one line a bad environment stops the process with. */
function problem(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("parseServerConfig", () => {
  it("has the documented defaults", () => {
    expect(parseServerConfig({})).toEqual({
      port: 4000,
      host: "127.0.0.1",
      databaseUrl: undefined,
      dataDir: undefined,
      production: false,
      poolSize: 10,
      demo: true,
      logLevel: "info",
      sweepIntervalMs: 60_000,
      sweepBatchSize: 1_000,
      outboxPollMs: 1_000,
      outboxMaxSendMs: 60_000,
    });
  });

  it("turns demo mode on by default only on the embedded database, and never in production unless asked", () => {
    expect(parseServerConfig({}).demo).toBe(true);
    expect(parseServerConfig({ ONCELY_DEMO: "0" }).demo).toBe(false);
    expect(parseServerConfig({ DATABASE_URL: URL }).demo).toBe(false);
    expect(parseServerConfig({ DATABASE_URL: URL, ONCELY_DEMO: "1" }).demo).toBe(true);
    expect(parseServerConfig({ DATABASE_URL: URL, NODE_ENV: "production" }).demo).toBe(false);
    expect(parseServerConfig({ DATABASE_URL: URL, NODE_ENV: "production", ONCELY_DEMO: "1" }).demo).toBe(true);
  });

  it("refuses production without DATABASE_URL: no embedded fallback", () => {
    expect(problem(() => parseServerConfig({ NODE_ENV: "production" }))).toBe(
      "DATABASE_URL is not set: with NODE_ENV=production there is no embedded PostgreSQL; set DATABASE_URL=postgres://user:password@host:5432/database",
    );
    expect(parseServerConfig({ NODE_ENV: "production", DATABASE_URL: URL })).toMatchObject({
      production: true,
      databaseUrl: URL,
    });
  });

  it("reads every variable, and takes an empty one as unset", () => {
    const config = parseServerConfig({
      PORT: "0",
      HOST: "0.0.0.0",
      DATABASE_URL: URL,
      ONCELY_DATA_DIR: "/var/lib/pg",
      NODE_ENV: "test",
      DB_POOL_SIZE: "25",
      ONCELY_DEMO: "1",
      LOG_LEVEL: "warn",
      SWEEP_INTERVAL_MS: "0",
      SWEEP_BATCH_SIZE: "500",
      OUTBOX_POLL_MS: "0",
      OUTBOX_MAX_SEND_MS: "5000",
    });
    expect(config).toEqual({
      port: 0,
      host: "0.0.0.0",
      databaseUrl: URL,
      dataDir: "/var/lib/pg",
      production: false,
      poolSize: 25,
      demo: true,
      logLevel: "warn",
      sweepIntervalMs: 0,
      sweepBatchSize: 500,
      outboxPollMs: 0,
      outboxMaxSendMs: 5_000,
    });
    expect(parseServerConfig({ PORT: "", DATABASE_URL: "", ONCELY_DEMO: "" })).toMatchObject({
      port: 4000,
      databaseUrl: undefined,
      demo: true,
    });
  });

  it.each([
    ["PORT", "abc", 'PORT="abc" is not allowed: expected an integer from 0 to 65535 (0 picks a free port)'],
    ["PORT", "65536", 'PORT="65536" is not allowed: expected an integer from 0 to 65535 (0 picks a free port)'],
    ["PORT", "-1", 'PORT="-1" is not allowed: expected an integer from 0 to 65535 (0 picks a free port)'],
    ["PORT", "80.5", 'PORT="80.5" is not allowed: expected an integer from 0 to 65535 (0 picks a free port)'],
    ["HOST", "local host", 'HOST="local host" is not allowed: expected a host name or IP address to listen on'],
    ["DB_POOL_SIZE", "0", 'DB_POOL_SIZE="0" is not allowed: expected an integer from 1 to 1000'],
    ["ONCELY_DEMO", "yes", 'ONCELY_DEMO="yes" is not allowed: expected 1 (demo mode on) or 0 (off)'],
    [
      "LOG_LEVEL",
      "verbose",
      'LOG_LEVEL="verbose" is not allowed: expected fatal, error, warn, info, debug, trace, silent',
    ],
    ["NODE_ENV", "staging", 'NODE_ENV="staging" is not allowed: expected production, development or test'],
    ["SWEEP_INTERVAL_MS", "1e3", 'SWEEP_INTERVAL_MS="1e3" is not allowed: expected 0 (no sweeper)'],
    ["SWEEP_BATCH_SIZE", "0", 'SWEEP_BATCH_SIZE="0" is not allowed: expected an integer from 1 to 100000'],
    ["OUTBOX_POLL_MS", "soon", 'OUTBOX_POLL_MS="soon" is not allowed: expected 0 (no outbox worker)'],
    ["OUTBOX_MAX_SEND_MS", "10", 'OUTBOX_MAX_SEND_MS="10" is not allowed: expected milliseconds from 1000 to 600000'],
    ["DATABASE_URL", "mysql://root@db/x", 'DATABASE_URL="mysql://root@db/x" is not allowed: expected a postgres://'],
  ])("%s=%s stops with one line naming the variable, the value and what is allowed", (name, value, start) => {
    const message = problem(() => parseServerConfig({ [name]: value }));
    expect(message.startsWith(start), message).toBe(true);
    expect(message).not.toContain("\n");
  });

  it("names every bad variable in the one line, and never shows a password", () => {
    const message = problem(() =>
      parseServerConfig({ PORT: "x", DATABASE_URL: "http://oncely:s3cret@db/oncely", LOG_LEVEL: "loud" }),
    );
    expect(message).not.toContain("\n");
    expect(message).toContain('PORT="x"');
    expect(message).toContain('DATABASE_URL="http://oncely:***@db/oncely"');
    expect(message).toContain('LOG_LEVEL="loud"');
    expect(message).not.toContain("s3cret");
  });
});

describe("parseSweepConfig", () => {
  it("needs DATABASE_URL: the sweep never starts a database", () => {
    expect(problem(() => parseSweepConfig({}))).toMatch(
      /^DATABASE_URL is not set: the sweep deletes expired keys in an existing PostgreSQL and never starts one/,
    );
    expect(parseSweepConfig({ DATABASE_URL: URL, SWEEP_BATCH_SIZE: "50" })).toEqual({
      databaseUrl: URL,
      sweepBatchSize: 50,
      logLevel: "info",
    });
    expect(problem(() => parseSweepConfig({ DATABASE_URL: URL, SWEEP_BATCH_SIZE: "lots" }))).toMatch(
      /^SWEEP_BATCH_SIZE="lots" is not allowed/,
    );
  });
});
