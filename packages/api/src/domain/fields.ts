import { z } from "zod";

/**
 * Field schemas every procedure's input shares, so a hostile value is refused the same way
 * (400 `invalid_input`, before anything runs or any key is stored) wherever it appears.
 */

/**
 * A row id: a UUID in any letter case, lower-cased. PostgreSQL compares uuids whatever their
 * case, but JavaScript compares strings; with one spelling from here on, an upper-case id
 * names the same row everywhere, fingerprints the same request, and is answered in lower case.
 */
export const idSchema = (error: string) => z.uuid({ error }).toLowerCase();

// Control characters (Unicode category Cc: C0, DEL and C1); the multi-line variant lets tab,
// LF and CR through. A lone UTF-16 surrogate is one code point of category Cs in a /u regex.
const CONTROL = /\p{Cc}/u;
const CONTROL_BUT_LINE_BREAKS = /(?![\t\n\r])\p{Cc}/u;
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * A string without what a PostgreSQL `text` cannot hold or would silently change: U+0000
 * (PostgreSQL refuses it: it was a 500), lone UTF-16 surrogates (UTF-8 cannot encode them;
 * they would be stored as U+FFFD), and control characters (all of them on one line; free text
 * keeps tab and line breaks). Checked on the string as sent, before any `.trim()` chained
 * after it could quietly drop a trailing vertical tab.
 */
export function plainText(field: string, { multiline = false } = {}) {
  const control = multiline ? CONTROL_BUT_LINE_BREAKS : CONTROL;
  return z
    .string({ error: `${field} must be a string` })
    .refine((text) => !LONE_SURROGATE.test(text), {
      error: `${field} holds a lone UTF-16 surrogate (not valid Unicode)`,
    })
    .refine((text) => !control.test(text), {
      error: multiline
        ? `${field} must not contain control characters (tab and line breaks are allowed)`
        : `${field} must not contain control characters or line breaks`,
    });
}

/** Printable ASCII (U+0020 to U+007E), as an Idempotency-Key or a cursor is made of. */
export const printableAscii = (field: string, { min, max }: { min: number; max: number }) =>
  z
    .string({ error: `${field} must be a string` })
    .min(min, { error: `${field} must be at least ${min} characters` })
    .max(max, { error: `${field} must be at most ${max} characters` })
    .regex(/^[\u0020-\u007e]*$/, { error: `${field} must be printable ASCII characters` });
