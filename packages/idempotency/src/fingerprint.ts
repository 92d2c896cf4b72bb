import { hash } from "node:crypto";

/**
 * JSON with object keys sorted at every depth, so `{a,b}` and `{b,a}` are one request.
 * Values that JSON drops (undefined, functions) are dropped the same way.
 */
export function canonicalJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) => {
      if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
      return sorted;
    }) ?? "null"
  );
}

/** SHA-256 (hex) over the procedure path and the canonical JSON of the parsed input. */
export function fingerprintRequest(path: string, input: unknown): string {
  // One-shot hash: cheaper per request than a Hash object (Node >= 20.12).
  return hash("sha256", `${path}\n${canonicalJson(input)}`, "hex");
}

/**
 * What a request's fingerprint covers: the parsed input, as DESIGN says, or, when the plugin
 * runs before any `.input()` parser (a base procedure such as
 * `t.procedure.concat(idempotent())`), the raw input, so other input is never mistaken for
 * the same request.
 */
export async function fingerprintedInput(input: unknown, getRawInput: () => Promise<unknown>): Promise<unknown> {
  return input === undefined ? await getRawInput() : input;
}
