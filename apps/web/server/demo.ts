import { env } from "./env";

/** Demo mode (`ONCELY_DEMO=1`): seeded principals, the principal switch and the chaos panel. */
export function isDemoMode(): boolean {
  return env().demo;
}
