import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@oncely/sdk",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["../db/src/testing/global-setup.ts"],
  },
});
