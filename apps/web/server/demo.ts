import { chaosAvailable } from "@oncely/api";

/** Demo mode (`ONCELY_DEMO=1`): seeded principals and the chaos panel. Read per request. */
export function isDemoMode(): boolean {
  return chaosAvailable();
}
