import { describe, expect, it } from "vitest";
import { RecentKeys } from "./recentKeys";

describe("RecentKeys", () => {
  it("knows a key the second time, per principal", () => {
    const recent = new RecentKeys(10);
    expect(recent.seen("alice", "k1")).toBe(false);
    expect(recent.seen("alice", "k1")).toBe(true);
    expect(recent.seen("bob", "k1")).toBe(false);
  });

  it("forgets the oldest keys beyond its capacity", () => {
    const recent = new RecentKeys(3);
    for (const key of ["a", "b", "c", "d"]) recent.seen("p", key);
    expect(recent.seen("p", "d")).toBe(true);
    expect(recent.seen("p", "a")).toBe(false); // evicted, now re-added
    expect(recent.seen("p", "c")).toBe(true);
  });
});
