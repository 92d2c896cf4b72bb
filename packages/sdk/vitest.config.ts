import { defineProject } from "vitest/config";

// Unit tests only (fake timers, scripted fetch, happy-dom for the React hook): no database.
// The SDK's tests against the real server live in apps/server/test.
export default defineProject({
  test: {
    name: "@oncely/sdk",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Type tests (*.test-d.ts) are compiled, not run: a wrong type fails the run.
    typecheck: { enabled: true, include: ["test/**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
  },
});
