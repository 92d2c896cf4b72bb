import path from "node:path";
import { parseArgs } from "node:util";

export interface FaultRates {
  /** Forward the request, let the server answer, then cut the client's connection. */
  drop: number;
  /** Cut the client's connection before forwarding anything. */
  reset: number;
  /** Hold the request (or the answer) for up to `maxDelayMs`. */
  delay: number;
  maxDelayMs: number;
}

export interface SoakOptions {
  /** How long the chaos phase runs (seconds). */
  durationSeconds: number;
  instances: number;
  clients: number;
  /** SIGKILL one instance every `killEveryMs` (a random time within it). */
  killEveryMs: [min: number, max: number];
  faults: FaultRates;
  /** Database faults (reset, kill -9, pg_ctl restart, blackhole) besides the instance chaos. */
  dbFaults: boolean;
  /** How long a blackhole between the instances and PostgreSQL lasts (ms). */
  blackholeMs: number;
  /** Where the report goes. */
  reportPath: string;
  /** The command line as given, for the report. */
  command: string;
}

export const REPO_ROOT = path.resolve(import.meta.dirname, "../..");

const USAGE = `pnpm soak [--duration 60] [--instances 3] [--clients 8] [--db-faults | --no-db-faults] [--report SOAK.md]`;

/**
 * A blackhole outlasts PostgreSQL's statement_timeout (6 s, src/postgres.ts), the engine's 5 s
 * key-lock bound, the API's 8 s request timeout and the SDK's 10 s attempt timeout: all of them
 * run out while it lasts, so an API that waited for the database would leave its clients to
 * their own timeout.
 */
export const BLACKHOLE_MS = 12_000;

/** Reads the command line. Throws with the usage on anything it does not understand. */
export function parseSoakArgs(argv: string[]): SoakOptions {
  const { values } = parseArgs({
    args: argv.filter((arg) => arg !== "--"),
    options: {
      duration: { type: "string", default: "60" },
      instances: { type: "string", default: "3" },
      clients: { type: "string", default: "8" },
      report: { type: "string", default: path.join(REPO_ROOT, "SOAK.md") },
      "db-faults": { type: "boolean" },
      "no-db-faults": { type: "boolean" },
    },
    strict: true,
  });
  const number = (name: string, value: string, min: number, max: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new Error(`--${name} must be an integer from ${min} to ${max}, got "${value}"\nusage: ${USAGE}`);
    }
    return n;
  };
  if (values["db-faults"] && values["no-db-faults"]) {
    throw new Error(`--db-faults and --no-db-faults contradict each other\nusage: ${USAGE}`);
  }
  const args = argv.filter((arg) => arg !== "--").join(" ");
  return {
    durationSeconds: number("duration", values.duration, 5, 3_600),
    instances: number("instances", values.instances, 2, 8),
    clients: number("clients", values.clients, 1, 64),
    killEveryMs: [2_000, 5_000],
    faults: { drop: 0.08, reset: 0.04, delay: 0.1, maxDelayMs: 400 },
    dbFaults: !values["no-db-faults"],
    blackholeMs: BLACKHOLE_MS,
    // Relative to where `pnpm soak` was typed (pnpm runs the script inside soak/).
    reportPath: path.resolve(process.env.INIT_CWD ?? process.cwd(), values.report),
    command: `pnpm soak${args ? ` ${args}` : ""}`,
  };
}
