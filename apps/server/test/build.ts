import { execFileSync } from "node:child_process";
import path from "node:path";

/**
 * Vitest global setup: build apps/server (tsup, about a second) before its tests, so the
 * processes they start run the current source from dist/, as `pnpm start` does.
 */
export default function build() {
  const dir = path.resolve(import.meta.dirname, "..");
  execFileSync(path.join(dir, "node_modules", ".bin", "tsup"), ["--silent"], { cwd: dir, stdio: "inherit" });
}
