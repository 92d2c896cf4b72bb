import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseSoakArgs, REPO_ROOT } from "./options";

describe("parseSoakArgs", () => {
  it("defaults to 60 s, 3 instances, 8 clients and SOAK.md at the repository root", () => {
    const options = parseSoakArgs([]);
    expect(options).toMatchObject({ durationSeconds: 60, instances: 3, clients: 8, command: "pnpm soak" });
    expect(options.reportPath).toBe(path.join(REPO_ROOT, "SOAK.md"));
  });

  it("takes --duration (also after pnpm's --) and names it in the command it reports", () => {
    const options = parseSoakArgs(["--", "--duration", "20"]);
    expect(options.durationSeconds).toBe(20);
    expect(options.command).toBe("pnpm soak --duration 20");
  });

  it.each([["--duration", "0"], ["--duration", "1.5"], ["--instances", "1"], ["--clients", "x"], ["--nope"]])(
    "refuses %s %s with the usage",
    (...args) => {
      expect(() => parseSoakArgs(args)).toThrow(/usage: pnpm soak|Unknown option/);
    },
  );
});
