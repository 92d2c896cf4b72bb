// Money on screen and in forms. Amounts are integer minor units (cents) everywhere; the
// conversions here work on decimal strings, never on floating-point arithmetic.

/**
 * The largest amount one operation may move, in minor units: the API's MAX_AMOUNT (copied, as
 * importing a value from the API would bundle server code into the page; a test keeps them equal).
 */
export const MAX_AMOUNT_MINOR = 10_000_000_000;

const formatters = new Map<string, Intl.NumberFormat>();

function formatterFor(currency: string): Intl.NumberFormat {
  let formatter = formatters.get(currency);
  if (!formatter) {
    formatter = new Intl.NumberFormat("en-US", { style: "currency", currency });
    formatters.set(currency, formatter);
  }
  return formatter;
}

/** Digits after the decimal point for a currency (USD 2, JPY 0, KWD 3). */
export function minorUnitDigits(currency: string): number {
  return formatterFor(currency).resolvedOptions().maximumFractionDigits ?? 2;
}

/** `formatMoney(123456, "USD")` → "$1,234.56". */
export function formatMoney(amountMinor: number, currency: string): string {
  if (!Number.isSafeInteger(amountMinor)) throw new RangeError(`${amountMinor} is not a whole number of minor units`);
  const digits = minorUnitDigits(currency);
  const sign = amountMinor < 0 ? "-" : "";
  const text = Math.abs(amountMinor)
    .toString()
    .padStart(digits + 1, "0");
  const whole = text.slice(0, text.length - digits);
  const decimal = digits > 0 ? `${whole}.${text.slice(-digits)}` : whole;
  // A decimal string is formatted exactly (no binary floating point on the way).
  return formatterFor(currency).format(`${sign}${decimal}` as Intl.StringNumericLiteral);
}

export type ParsedAmount = { ok: true; amountMinor: number } | { ok: false; message: string };

/**
 * What a person typed ("12", "12.5", "1,234.56", "$12.30") → integer minor units.
 * Refuses more decimals than the currency has, negatives, zero, non-numbers and amounts above
 * what the API accepts.
 */
export function parseMoney(input: string, currency: string): ParsedAmount {
  const digits = minorUnitDigits(currency);
  const text = input.trim().replace(/^\$/, "").replaceAll(",", "");
  const match = /^(?=\.?\d)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!match) return { ok: false, message: "Enter an amount like 12.50" };
  const whole = match[1] || "0";
  const fraction = match[2] ?? "";
  if (fraction.length > digits) {
    return { ok: false, message: `Use at most ${digits} digits after the decimal point` };
  }
  const amountMinor = Number(`${whole}${fraction.padEnd(digits, "0")}`);
  if (!Number.isSafeInteger(amountMinor) || amountMinor > MAX_AMOUNT_MINOR) {
    return { ok: false, message: `Enter at most ${formatMoney(MAX_AMOUNT_MINOR, currency)}` };
  }
  if (amountMinor <= 0) return { ok: false, message: "Enter an amount greater than zero" };
  return { ok: true, amountMinor };
}
