import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@oncely/adoption",
    include: ["test/**/*.test.ts"],
    // The run's one PostgreSQL (the repo's test setup); the example gets a database of its own.
    // And the built apps/server, which the typed API client's example talks to.
    globalSetup: ["../../packages/db/src/testing/global-setup.ts", "../../apps/server/test/build.ts"],
    // Packing, `npm install` from the registry and the example's own TypeScript build.
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
