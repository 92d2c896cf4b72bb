import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@oncely/server",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // The server's tests start it from its build (dist/), as `pnpm start` does.
    globalSetup: ["./test/build.ts", "../../packages/db/src/testing/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 90_000,
  },
});
