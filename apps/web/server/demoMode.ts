/**
 * Whether the web process runs the demo (seeded alice and bob with well-known API keys, the
 * principal switch, the chaos panel). As apps/server decides it: ONCELY_DEMO when set; else on
 * only with the embedded, throwaway database (no DATABASE_URL) and outside production.
 */
export function demoModeFrom(env: Record<string, string | undefined>): boolean {
  if (env.ONCELY_DEMO !== undefined && env.ONCELY_DEMO !== "") return env.ONCELY_DEMO === "1";
  return !env.DATABASE_URL && env.NODE_ENV !== "production";
}
