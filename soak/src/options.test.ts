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

  it("runs the database faults unless told --no-db-faults", () => {
    expect(parseSoakArgs([]).dbFaults).toBe(true);
    expect(parseSoakArgs(["--db-faults"]).dbFaults).toBe(true);
    expect(parseSoakArgs(["--no-db-faults"]).dbFaults).toBe(false);
    expect(() => parseSoakArgs(["--db-faults", "--no-db-faults"])).toThrow(/contradict/);
  });

  it.each([["--duration", "0"], ["--duration", "1.5"], ["--instances", "1"], ["--clients", "x"], ["--nope"]])(
    "refuses %s %s with the usage",
    (...args) => {
      expect(() => parseSoakArgs(args)).toThrow(/usage: pnpm soak|Unknown option/);
    },
  );
});
