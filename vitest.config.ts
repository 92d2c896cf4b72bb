import { defineConfig } from "vitest/config";

// One run, one project per package; each project's global setup shares one PostgreSQL.
export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*", "soak", "tooling/*"],
  },
});
