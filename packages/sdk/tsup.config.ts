import { defineConfig } from "tsup";

// Published shape: ESM + .d.ts, no Node-only APIs, so it runs in browsers too. The React
// helpers are a separate entry (`@oncely/sdk/react`) so the main import never loads React.
export default defineConfig({
  entry: ["src/index.ts", "src/api.ts", "src/react.ts"],
  format: ["esm"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "es2022",
  platform: "neutral",
  external: ["@trpc/client", "@trpc/server", "@trpc/tanstack-react-query", "@tanstack/react-query", "p-retry", "react"],
});
