import postgres from "postgres";

/** How long a probe or a scrape's statement may take before the database counts as away. */
const PROBE_TIMEOUT_MS = 2_000;

export interface Monitor {
  /** Runs one statement, or rejects within PROBE_TIMEOUT_MS. */
  query: <T extends readonly object[]>(
    strings: TemplateStringsArray,
    ...values: postgres.ParameterOrFragment<never>[]
  ) => Promise<T>;
  /** Whether the database answers `SELECT 1` in time. */
  ready: () => Promise<boolean>;
  close: () => Promise<void>;
}

/**
 * One connection of the process's own for /readyz and /metrics, apart from the API pool: a
 * probe answers even when every pool connection is busy, and never waits longer than a bound
 * (a stalled database answers nothing at all, so a timer bounds it too).
 */
export function createMonitor(url: string, applicationName: string): Monitor {
  const sql = postgres(url, {
    max: 1,
    connect_timeout: PROBE_TIMEOUT_MS / 1000,
    idle_timeout: 60,
    onnotice: () => {},
    connection: { application_name: applicationName, statement_timeout: PROBE_TIMEOUT_MS },
  });
  const query: Monitor["query"] = (strings, ...values) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("the database did not answer in time")), PROBE_TIMEOUT_MS);
    });
    return Promise.race([sql(strings, ...values), timeout]).finally(() => clearTimeout(timer)) as never;
  };
  return {
    query,
    ready: () =>
      query`SELECT 1`.then(
        () => true,
        () => false,
      ),
    close: () => sql.end({ timeout: 5 }),
  };
}
