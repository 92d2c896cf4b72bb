import fc from "fast-check";

/** Arbitraries for hostile requests: what a broken or malicious client sends. */

const isJson = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

/** Bodies that are not JSON: random text, random bytes, and JSON cut short or spliced. */
export const malformedJson: fc.Arbitrary<string> = fc
  .oneof(
    fc.string({ maxLength: 200 }),
    fc.string({ unit: "binary", maxLength: 100 }),
    fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString("latin1")),
    fc
      .tuple(fc.jsonValue({ maxDepth: 3 }), fc.nat(), fc.constantFrom("", "}", "]", ",", '"', "{", "\u0000", "NaN"))
      .map(([value, cut, tail]) => {
        const text = JSON.stringify(value) ?? "";
        return text.slice(0, cut % (text.length + 1)) + tail;
      }),
    fc.constantFrom("{", '{"orderId":', "[1,2", "{'a':1}", "undefined", "{}{}", '{"a":1,}', "\uFEFF{}"),
  )
  // An empty input is tRPC's "no input" (for `?input=` and for an empty body), not malformed.
  .filter((text) => text !== "" && !isJson(text));

/** Field names the procedures read, so wrong types reach real validation paths. */
const FIELDS = [
  "accountId",
  "amount",
  "currency",
  "description",
  "orderId",
  "paymentId",
  "fromAccountId",
  "toAccountId",
  "expectedVersion",
  "shipping",
  "limit",
  "cursor",
  "key",
] as const;

/** Well-formed JSON of the wrong shape: any value, or the right field names holding anything. */
export const wrongTypes: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(fc.constantFrom(...FIELDS), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
  fc.record({
    orderId: fc.oneof(fc.uuid(), fc.string(), fc.integer()),
    amount: fc.oneof(fc.double(), fc.bigInt().map(String), fc.constant(-1), fc.constant(0), fc.constant(2 ** 63)),
    currency: fc.oneof(fc.string({ maxLength: 5 }), fc.constant("usd"), fc.constant(null)),
  }),
);

/** Printable ASCII that is a valid bare key on its own (so only the injected fault is wrong). */
const bareKey = fc.stringMatching(/^[A-Za-z0-9_-]{2,40}$/);

/** Control characters a raw socket can carry inside a header value (not CR, LF or NUL). */
const CONTROL_CHARACTERS = [
  ..."\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000b\u000c\u000e\u000f",
  ..."\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f\u007f",
];

/** A key value the server must refuse. `values` is several header lines when there are several. */
export interface BadKey {
  label: string;
  values: string[];
}

export const badIdempotencyKey: fc.Arbitrary<BadKey> = fc.oneof(
  fc.constantFrom<BadKey>(
    { label: "empty", values: [""] },
    { label: "blank", values: ["   "] },
    { label: "empty quoted", values: ['""'] },
    { label: "unterminated quote", values: ['"abc'] },
    { label: "bad escape", values: ['"a\\qb"'] },
    { label: "quote inside", values: ['"a"b"'] },
  ),
  fc
    .string({ minLength: 256, maxLength: 400, unit: fc.constantFrom(..."abcdefXYZ0123456789-_.~") })
    .map((key): BadKey => ({ label: "256+ characters", values: [key] })),
  fc
    .string({ minLength: 256, maxLength: 300, unit: fc.constantFrom(..."abc123") })
    .map((key): BadKey => ({ label: "256+ characters quoted", values: [`"${key}"`] })),
  fc.tuple(bareKey, fc.constantFrom(...CONTROL_CHARACTERS), fc.nat()).map(([key, control, at]): BadKey => {
    // Inside the value: leading and trailing whitespace is trimmed by every HTTP parser.
    const position = 1 + (at % (key.length - 1));
    return { label: "control character", values: [key.slice(0, position) + control + key.slice(position)] };
  }),
  fc.tuple(bareKey, fc.constantFrom("é", "ü", "€", "😀", " ", ",", '"'), fc.nat()).map(([key, odd, at]): BadKey => {
    const position = 1 + (at % (key.length - 1));
    return { label: "non-token character", values: [key.slice(0, position) + odd + key.slice(position)] };
  }),
  fc.tuple(bareKey, bareKey).map(([a, b]): BadKey => ({ label: "two header lines", values: [a, b] })),
  fc.tuple(bareKey, bareKey).map(([a, b]): BadKey => ({ label: "two values in one line", values: [`${a}, ${b}`] })),
);

const VALID_API_KEYS = /^Bearer\s+(sk_test_alice|sk_test_bob)\s*$/i;

/** An Authorization header that names no principal; undefined means "no header at all". */
export const badAuthorization: fc.Arbitrary<string | undefined> = fc
  .oneof(
    fc.constant(undefined),
    fc.constantFrom(
      "",
      "Bearer",
      "Bearer ",
      "Bearer sk_test_mallory",
      "Basic c2tfdGVzdF9hbGljZTo=",
      "Bearer sk_test_alice sk_test_bob",
      "Bearer sk_test_alic",
      "Bearer sk_test_alice\u0001",
      "Token sk_test_alice",
      "sk_test_alice",
    ),
    fc.string({ maxLength: 80 }),
    fc.string({ maxLength: 80 }).map((key) => `Bearer ${key}`),
    // CR, LF and NUL would not be part of a header value but end it (framing, not content).
    fc.string({ unit: "binary", maxLength: 40 }).map((key) => `Bearer ${key.replace(/[\r\n\0]/g, "")}`),
    fc.integer({ min: 1_000, max: 20_000 }).map((length) => `Bearer ${"k".repeat(length)}`),
  )
  .filter((value) => value === undefined || !VALID_API_KEYS.test(value.trim()));

/** Whether undici's `Headers` accepts this value (a fetch-adapter request cannot carry others). */
export function fetchCanCarry(value: string): boolean {
  try {
    new Headers().set("x", value);
    return true;
  } catch {
    return false;
  }
}

/**
 * What no string field may hold, whatever it is: U+0000 (a PostgreSQL text cannot), control
 * characters other than tab and line breaks (C0, DEL, C1), and lone UTF-16 surrogates (UTF-8
 * cannot encode them). JSON carries each as a `\u` escape, so they reach the parsers intact.
 */
const NEVER_IN_TEXT = [
  "\u0000",
  ...CONTROL_CHARACTERS.filter((c) => c !== "\t"),
  "\u0080",
  "\u0085",
  "\u009b",
  "\u009f",
  "\ud800",
  "\udbff",
  "\udc00",
  "\udfff",
];

/** `valid` with one forbidden character put in (or in its place), at any position. */
export const hostileText = (valid: string): fc.Arbitrary<string> =>
  fc.tuple(fc.constantFrom(...NEVER_IN_TEXT), fc.nat(), fc.boolean()).map(([bad, at, alone]) => {
    if (alone) return bad;
    const position = at % (valid.length + 1);
    return valid.slice(0, position) + bad + valid.slice(position);
  });

/** A UUID in a random mix of upper and lower case (the same id to PostgreSQL). */
export const oddCase = (uuid: string): fc.Arbitrary<string> =>
  fc
    .array(fc.boolean(), { minLength: uuid.length, maxLength: uuid.length })
    .map((upper) => [...uuid].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join(""));
