import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@oncely/db",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["./src/testing/global-setup.ts"],
  },
});
