import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@oncely/web",
    include: ["test/**/*.test.ts"],
    globalSetup: ["../../packages/db/src/testing/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
