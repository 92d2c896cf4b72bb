import { IdempotencyError } from "./errors";

export const IDEMPOTENCY_KEY_HEADER = "idempotency-key";
export const MAX_KEY_LENGTH = 255;

// Bare form: visible ASCII, no quote, no comma (a comma means several header values).
const BARE_KEY = /^[\x21\x23-\x2b\x2d-\x7e]+$/;
// Structured-field string (RFC 8941 sf-string): printable ASCII, `\"` and `\\` escaped.
const SF_STRING = /^"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"$/;

/**
 * Reads an `Idempotency-Key` header value. The IETF draft's sf-string (`"abc"`) and a bare
 * token (`abc`) name the same key. Returns null when the header is absent.
 * Throws IdempotencyError("idempotency_key_invalid") for anything else.
 */
export function parseIdempotencyKey(header: string | null | undefined): string | null {
  if (header === null || header === undefined) return null;
  const value = header.trim();
  const quoted = SF_STRING.exec(value);
  const key = quoted ? (quoted[1] ?? "").replace(/\\(["\\])/g, "$1") : value;
  if (!quoted && !BARE_KEY.test(value)) {
    throw new IdempotencyError(
      "idempotency_key_invalid",
      value === ""
        ? "Idempotency-Key is empty: send 1 to 255 printable ASCII characters, e.g. a UUID"
        : 'Idempotency-Key must be one value of printable ASCII characters, bare or as a quoted string ("...")',
    );
  }
  if (key.length < 1 || key.length > MAX_KEY_LENGTH) {
    throw new IdempotencyError(
      "idempotency_key_invalid",
      `Idempotency-Key must be 1 to ${MAX_KEY_LENGTH} characters long, got ${key.length}`,
    );
  }
  return key;
}

// Every key parseIdempotencyKey can return: printable ASCII (spaces, quotes and commas only
// through the quoted form), 1 to MAX_KEY_LENGTH characters.
const STORABLE_KEY = new RegExp(`^[\\x20-\\x7e]{1,${MAX_KEY_LENGTH}}$`);

/** Whether a string could be a stored key (lookups of anything else can answer "none" at once). */
export const isStorableKey = (key: string): boolean => STORABLE_KEY.test(key);
