import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { literal, textArray } from "../src/sqlText";
import { createEngineDatabase, type EngineDatabase } from "./engineDatabase";

// The engine writes values into its SQL as literals (src/sqlText.ts). Whatever the string,
// PostgreSQL must read back exactly that string: checked on the real server, in both settings
// of standard_conforming_strings (the one setting that changes how quotes and backslashes read).

let database: EngineDatabase;
beforeAll(async () => {
  database = await createEngineDatabase({ max: 2 });
});
afterAll(() => database.drop());

// Any Unicode text PostgreSQL can store: everything but U+0000, quotes and backslashes often.
const storableText = fc
  .string({ unit: fc.oneof(fc.constantFrom("'", "\\", "E'", "$$", '"', ";", "\n"), fc.string({ unit: "binary" })) })
  .map((s) => s.replaceAll("\u0000", ""));

describe.each(["on", "off"])("literal() with standard_conforming_strings = %s", (setting) => {
  it("reads back every storable string exactly", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(storableText, { minLength: 1, maxLength: 8 }), async (values) => {
        const rows = await database.sql.begin(async (tx) => {
          await tx.unsafe(`SET LOCAL standard_conforming_strings = ${setting}`);
          return tx.unsafe<{ value: string; i: number }[]>(
            `SELECT value, i::int FROM unnest(${textArray(values)}) WITH ORDINALITY AS t(value, i)
             UNION ALL SELECT ${literal(values[0] ?? "")}, 0 ORDER BY 2`,
          );
        });
        expect(rows.map((r) => r.value)).toEqual([values[0], ...values]);
      }),
      { numRuns: 200 },
    );
  });
});

describe("literal()", () => {
  it("refuses U+0000, which PostgreSQL text cannot hold", () => {
    expect(() => literal("a\u0000b")).toThrow(TypeError);
  });
});
