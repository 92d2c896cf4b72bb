import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@oncely/server",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["../../packages/db/src/testing/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 90_000,
  },
});
