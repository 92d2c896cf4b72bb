import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@oncely/idempotency",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["../db/src/testing/global-setup.ts"],
    // Crash tests start and kill real server processes.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
