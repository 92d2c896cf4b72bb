import { describe, expect, it } from "vitest";
import { ClaimSlots } from "./claimSlots";

const ref = (key: string, principalId = "user_1") => ({ principalId, key });

describe("ClaimSlots", () => {
  it("lets the holder and maxWaitersPerKey duplicates in, and refuses the next one", () => {
    const slots = new ClaimSlots(2, 10);
    const holder = slots.enter(ref("k"));
    const waiters = [slots.enter(ref("k")), slots.enter(ref("k"))];
    expect(holder).not.toBeNull();
    expect(waiters.every((w) => w !== null)).toBe(true);
    expect(slots.enter(ref("k"))).toBeNull();
    expect(slots.enter(ref("other"))).not.toBeNull(); // another key is not waiting
    waiters[0]?.();
    expect(slots.enter(ref("k"))).not.toBeNull(); // a waiter left: room for one
  });

  it("bounds a principal's waiters across its keys, not other principals'", () => {
    const slots = new ClaimSlots(5, 2);
    for (const key of ["a", "b"]) {
      slots.enter(ref(key));
      expect(slots.enter(ref(key))).not.toBeNull();
    }
    slots.enter(ref("c"));
    expect(slots.enter(ref("c"))).toBeNull(); // user_1 already has two waiting
    slots.enter(ref("c", "user_2"));
    expect(slots.enter(ref("c", "user_2"))).not.toBeNull();
  });

  it("counts a leave once, however often it is called", () => {
    const slots = new ClaimSlots(0, 10);
    const holder = slots.enter(ref("k"));
    holder?.();
    holder?.();
    const next = slots.enter(ref("k"));
    expect(next).not.toBeNull(); // no holder left: the next one holds
    expect(slots.enter(ref("k"))).toBeNull(); // ...and with no waiters allowed, a duplicate is refused
  });
});
