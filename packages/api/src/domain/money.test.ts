import { describe, expect, it } from "vitest";
import { formatMoney } from "./money";

describe("formatMoney", () => {
  it("writes minor units in the currency's own number of digits, the same on every call", () => {
    for (let i = 0; i < 2; i++) {
      expect(formatMoney(1999, "USD")).toBe("19.99 USD");
      expect(formatMoney(1000, "JPY")).toBe("1000 JPY");
      expect(formatMoney(1234, "KWD")).toBe("1.234 KWD");
    }
  });

  it("assumes cents for a code Intl does not know", () => {
    expect(formatMoney(500, "QQQ")).toBe("5.00 QQQ");
  });
});
