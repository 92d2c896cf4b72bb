// Values written into SQL text as literals, for the engine's statements off the hot path (the
// hot ones are prepared, store.ts). They run through drizzle's public `execute(sql.raw(text))`:
// drizzle sends parameterized text unprepared, and postgres.js then has each one described
// first, a round trip of its own; a statement without parameters is one round trip. Values
// written in are exactly what the quoting below allows, and a property test round-trips any string.

/** A PostgreSQL string literal for any string PostgreSQL can store (everything but U+0000). */
export function literal(value: string): string {
  if (value.includes("\u0000")) throw new TypeError("PostgreSQL text cannot hold U+0000");
  // E'...' treats a backslash as an escape whatever standard_conforming_strings says, so
  // doubling backslashes and quotes is the whole job in both settings.
  return `E'${value.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`;
}

/** An integer literal; anything else is a programming error. */
export function integerLiteral(value: number): string {
  if (!Number.isSafeInteger(value)) throw new TypeError(`not an integer: ${value}`);
  return String(value);
}

/** A text[] literal: `ARRAY[E'a', E'b']::text[]`. */
export const textArray = (values: readonly string[]): string => `ARRAY[${values.map(literal).join(", ")}]::text[]`;

/** An int[] literal. */
export const integerArray = (values: readonly number[]): string =>
  `ARRAY[${values.map(integerLiteral).join(", ")}]::int[]`;

/**
 * The moment a statement treats as "now": the test clock's instant if one is set, else the
 * database's own `now()` (the transaction's start).
 */
export const nowExpression = (now: string | null): string => (now === null ? "now()" : `${literal(now)}::timestamptz`);
