import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");

/** Bundles an entry and everything it imports for a browser; esbuild fails on any Node built-in. */
async function bundleForBrowser(entry: string) {
  const result = await build({
    entryPoints: [path.join(root, entry)],
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  return { inputs: Object.keys(result.metafile.inputs), code: result.outputFiles[0]?.text ?? "" };
}

describe("the browser path has no Node-only imports", () => {
  it.each(["src/index.ts", "dist/index.js"])("%s bundles for the browser with its dependencies", async (entry) => {
    const { inputs, code } = await bundleForBrowser(entry);
    expect(inputs.some((input) => input.includes("p-retry"))).toBe(true);
    expect(inputs.some((input) => input.includes("@trpc/client"))).toBe(true);
    expect(inputs.filter((input) => input.startsWith("node:") || input.includes("(disabled)"))).toEqual([]);
    // React stays out of the main entry: it lives in @oncely/sdk/react.
    expect(inputs.filter((input) => /node_modules\/(react|@tanstack)\//.test(input))).toEqual([]);
    expect(code).not.toMatch(/\brequire\(/);
  });

  it.each(["src/api.ts", "dist/api.js"])(
    "%s (the typed Oncely API client) bundles without any server code",
    async (entry) => {
      const { inputs } = await bundleForBrowser(entry);
      expect(inputs.some((input) => input.includes("@trpc/client"))).toBe(true);
      expect(inputs.filter((input) => input.startsWith("node:"))).toEqual([]);
      // Types only: nothing of the server's packages, drizzle, postgres.js or zod at runtime.
      expect(
        inputs.filter((input) =>
          /@oncely\/(api|db|idempotency)|packages\/(api|db|idempotency)\/|drizzle|postgres|zod/.test(input),
        ),
      ).toEqual([]);
    },
  );

  it("the published api entry's types need nothing but @trpc/server", () => {
    const declarations = readdirSync(path.join(root, "dist")).filter((file) => file.endsWith(".d.ts"));
    expect(declarations).toContain("api.d.ts");
    for (const file of declarations) {
      const text = readFileSync(path.join(root, "dist", file), "utf8");
      const imported = [...text.matchAll(/from\s*["']([^"']+)["']/g)].map((m) => m[1]);
      expect(
        imported.filter((name) => !name?.startsWith(".") && !/^@trpc\/|^@tanstack\/|^react$/.test(name ?? "")),
        file,
      ).toEqual([]);
    }
  });

  it.each(["src/react.ts", "dist/react.js"])("%s bundles for the browser too", async (entry) => {
    const { inputs } = await bundleForBrowser(entry);
    expect(inputs.some((input) => input.includes("@tanstack/react-query"))).toBe(true);
    expect(inputs.filter((input) => input.startsWith("node:"))).toEqual([]);
  });

  it("the published files import nothing from node:", () => {
    const files = readdirSync(path.join(root, "dist")).filter((file) => file.endsWith(".js"));
    expect(files).toEqual(expect.arrayContaining(["index.js", "react.js"]));
    for (const file of files) {
      const code = readFileSync(path.join(root, "dist", file), "utf8");
      expect(code, file).not.toMatch(/from\s*["']node:|import\(\s*["']node:|require\(/);
    }
  });

  it("would notice a Node built-in (the check can fail)", async () => {
    await expect(bundleForBrowser("test/fixtures/usesNodeCrypto.ts")).rejects.toThrow(/node:crypto/);
  });
});
