import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { renderApiTypes } from "../scripts/apiTypes";

// src/api/appRouter.ts is generated from packages/api's router; the type test beside it
// (types.test-d.ts) proves the two give a client the same types.
describe("@oncely/sdk/api's router type", () => {
  it("is what packages/api's AppRouter generates today (run `pnpm --filter @oncely/sdk generate:api`)", () => {
    const committed = readFileSync(path.join(import.meta.dirname, "..", "src", "api", "appRouter.ts"), "utf8");
    expect(committed).toBe(renderApiTypes());
  }, 60_000);
});
