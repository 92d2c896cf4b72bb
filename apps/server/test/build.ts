import { execFileSync } from "node:child_process";
import path from "node:path";

/**
 * Vitest global setup: build apps/server and what it bundles (turbo: cached when nothing
 * changed) before its tests, so the processes they start run the current source from dist/,
 * as `pnpm start` does.
 */
export default function build() {
  const root = path.resolve(import.meta.dirname, "../../..");
  execFileSync(
    path.join(root, "node_modules", ".bin", "turbo"),
    ["run", "build", "--filter=@oncely/server...", "--output-logs=errors-only", "--log-prefix=none"],
    { cwd: root, stdio: "inherit" },
  );
}
