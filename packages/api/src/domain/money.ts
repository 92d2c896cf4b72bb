import { z } from "zod";

/** Largest amount one operation may move, in minor units (100 million in major units). */
export const MAX_AMOUNT = 10_000_000_000;

/** An amount in integer minor units (cents): never a float, never zero or negative. */
export const amountSchema = z
  .number({ error: "amount must be a number of minor units (e.g. cents)" })
  .int({ error: "amount must be an integer number of minor units (e.g. 1999 for 19.99)" })
  .positive({ error: "amount must be greater than zero" })
  .max(MAX_AMOUNT, { error: `amount must be at most ${MAX_AMOUNT} minor units` });

/** ISO 4217 currency code, upper case. */
export const currencySchema = z
  .string()
  .regex(/^[A-Z]{3}$/, { error: "currency must be a three-letter ISO 4217 code in upper case, e.g. USD" });

/** "19.99 USD" for (1999, "USD"), using the currency's own number of minor digits. */
export function formatMoney(amount: number, currency: string): string {
  const digits = minorDigits(currency);
  return `${(amount / 10 ** digits).toFixed(digits)} ${currency}`;
}

// Building an Intl.NumberFormat costs more than the rest of an order's JavaScript put together
// (measured in apps/server's CPU profile), so each currency asks it once.
const minorDigitsByCurrency = new Map<string, number>();

function minorDigits(currency: string): number {
  let digits = minorDigitsByCurrency.get(currency);
  if (digits === undefined) {
    try {
      digits =
        new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      digits = 2; // an ISO-shaped code Intl does not know: assume cents, the common case
    }
    // Currencies are three upper-case letters: at most 17,576 entries, in practice a handful.
    minorDigitsByCurrency.set(currency, digits);
  }
  return digits;
}
