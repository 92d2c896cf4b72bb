import { cp, rm } from "node:fs/promises";
import path from "node:path";
import { defineConfig } from "tsup";

// The API process runs from this bundle (`node dist/bin/main.js`): no TypeScript at runtime.
// The workspace packages (@oncely/*, TypeScript source) are bundled in; npm packages stay
// imports, resolved from this package's dependencies.
//
// Layout: the bundled @oncely/db finds its migrations at `../migrations` from its own file, as
// it does from packages/db/src, so the entries go to dist/bin and the migrations to
// dist/migrations.
const MIGRATIONS = path.resolve(import.meta.dirname, "../../packages/db/migrations");

export default defineConfig({
  entry: { main: "src/main.ts", sweep: "src/sweep.ts" },
  outDir: "dist/bin",
  format: ["esm"],
  platform: "node",
  target: "node20",
  sourcemap: true,
  clean: true,
  splitting: true,
  noExternal: [/^@oncely\//],
  async onSuccess() {
    await rm("dist/migrations", { recursive: true, force: true });
    await cp(MIGRATIONS, "dist/migrations", { recursive: true });
  },
});
