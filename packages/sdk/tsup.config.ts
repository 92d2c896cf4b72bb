import { defineConfig } from "tsup";

// Published shape: ESM + .d.ts, no Node-only APIs, so it runs in browsers too.
export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "es2022",
  platform: "neutral",
  external: ["@trpc/client", "@trpc/server", "p-retry"],
});
