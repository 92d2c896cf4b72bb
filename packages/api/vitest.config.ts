import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@oncely/api",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["../db/src/testing/global-setup.ts"],
    // Real PostgreSQL, HTTP and child processes on shared, busy cores: generous, never relied on.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
