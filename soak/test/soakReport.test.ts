import { execFileSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

// SOAK.md is written by `pnpm soak` (a 60 s run) and committed. It must describe the engine that
// is in the tree: the commit that last wrote it may not be older than the last change to the
// code the engine runs (packages/idempotency's src, sql and manifest). Rerun `pnpm soak` and
// commit SOAK.md after changing them.

const REPO = path.resolve(import.meta.dirname, "..", "..");
const ENGINE = ["packages/idempotency/src", "packages/idempotency/sql", "packages/idempotency/package.json"];
const git = (...args: string[]) => execFileSync("git", args, { cwd: REPO, encoding: "utf8" }).trim();

describe("the committed SOAK.md", () => {
  it("was written after the engine's last change", () => {
    const report = git("log", "-1", "--format=%H", "--", "SOAK.md");
    const engine = git("log", "-1", "--format=%H", "--", ...ENGINE);
    expect(report, "SOAK.md was never committed").not.toBe("");
    const newer = git("log", "--format=%h %s", `${report}..${engine}`, "--", ...ENGINE);
    expect(newer, `engine changes after SOAK.md was last written (run \`pnpm soak\`):\n${newer}`).toBe("");
  });

  it("says which command, commit and result it comes from", () => {
    const text = git("show", "HEAD:SOAK.md");
    expect(text).toMatch(/^- Command: `pnpm soak[^`]*`$/m);
    expect(text).toMatch(/^- Commit: [0-9a-f]{7,}/m);
    expect(text).toMatch(/\*\*Result: (PASS|FAIL)\*\*/);
  });
});
