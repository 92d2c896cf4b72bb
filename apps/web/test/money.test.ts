import { MAX_AMOUNT } from "@oncely/api";
import { describe, expect, it } from "vitest";
import { formatMoney, MAX_AMOUNT_MINOR, parseMoney } from "../lib/money";

describe("formatMoney", () => {
  it("formats integer minor units exactly", () => {
    expect(formatMoney(250_000, "USD")).toBe("$2,500.00");
    expect(formatMoney(1, "USD")).toBe("$0.01");
    expect(formatMoney(0, "USD")).toBe("$0.00");
    expect(formatMoney(-1999, "USD")).toBe("-$19.99");
    expect(formatMoney(10_000_000_000, "USD")).toBe("$100,000,000.00");
    expect(formatMoney(500, "JPY")).toBe("¥500");
  });

  it("refuses fractions of a minor unit", () => {
    expect(() => formatMoney(1.5, "USD")).toThrow(RangeError);
  });
});

describe("parseMoney", () => {
  it.each([
    ["12", 1200],
    ["12.5", 1250],
    ["12.34", 1234],
    ["0.01", 1],
    [".5", 50],
    ["1,234.56", 123_456],
    ["$19.99", 1999],
    [" 7 ", 700],
    ["0.29", 29],
  ])("%j → %d cents", (input, cents) => {
    expect(parseMoney(input, "USD")).toEqual({ ok: true, amountMinor: cents });
  });

  it.each(["", "abc", "-5", "1.234", "0", "0.00", "1e3", ".", "1.2.3"])("refuses %j", (input) => {
    expect(parseMoney(input, "USD").ok).toBe(false);
  });
});

describe("the limits the API sets, in the person's words", () => {
  it("refuses more than the API's largest amount, naming it in dollars", () => {
    expect(MAX_AMOUNT_MINOR).toBe(MAX_AMOUNT);
    expect(parseMoney("100,000,000.00", "USD")).toEqual({ ok: true, amountMinor: MAX_AMOUNT });
    expect(parseMoney("100,000,000.01", "USD")).toEqual({ ok: false, message: "Enter at most $100,000,000.00" });
    expect(parseMoney("99999999999999999999", "USD")).toEqual({ ok: false, message: "Enter at most $100,000,000.00" });
  });
});
