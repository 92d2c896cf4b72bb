import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@oncely/soak",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["../packages/db/src/testing/global-setup.ts"],
    // Real PostgreSQL and HTTP on shared, busy cores: generous, never relied on.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
