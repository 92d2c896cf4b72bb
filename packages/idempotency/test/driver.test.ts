import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The engine's suite runs on postgres.js as npm ships it (test/fixtures/appDatabase.ts): the
// repo's own patch (patches/postgres@3.4.9.patch) must not be what makes it pass.

const source = async (specifier: string) => readFile(fileURLToPath(import.meta.resolve(specifier)), "utf8");

describe("the driver under the engine's tests", () => {
  it("is the unpatched npm release, while the repo's own postgres.js carries the patch", async () => {
    expect(await source("postgres-unpatched")).not.toContain("Oncely patch");
    expect(await source("postgres")).toContain("Oncely patch"); // the check itself can see a patch
  });
});
