// The engine's statements are SQL text with their values written in as literals, run through
// drizzle's public `execute(sql.raw(text))`. Why not parameters: drizzle sends parameterized
// queries unprepared, and postgres.js then asks the server to describe each one first, a round
// trip of its own that also stops the next statement from sharing the write. A statement
// without parameters is one round trip and can be pipelined behind another. Values written in
// are exactly what the quoting below allows, and a property test round-trips any string.

/** A PostgreSQL string literal for any string PostgreSQL can store (everything but U+0000). */
export function literal(value: string): string {
  if (value.includes("\u0000")) throw new TypeError("PostgreSQL text cannot hold U+0000");
  // E'...' treats a backslash as an escape whatever standard_conforming_strings says, so
  // doubling backslashes and quotes is the whole job in both settings.
  return `E'${value.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`;
}

/** A literal or NULL. */
export const nullableLiteral = (value: string | null): string => (value === null ? "NULL" : literal(value));

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
