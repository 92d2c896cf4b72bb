import { defineConfig } from "tsup";

// Published shape: ESM + .d.ts for Node 20+, and CommonJS beside it because drizzle-kit loads an
// app's schema files (which import `@oncely/idempotency/schema`) with require(). Peers
// (@trpc/server, drizzle-orm, postgres) stay external, so the app's own copies are used.
export default defineConfig({
  entry: ["src/index.ts", "src/schema.ts", "src/testing.ts", "src/store.ts"],
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node20",
  platform: "node",
});
