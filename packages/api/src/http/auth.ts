import { timingSafeEqual } from "node:crypto";
import { type Database, eq, hashApiKey, schema } from "@oncely/db";

const CACHE_TTL_MS = 60_000;
const CACHE_MAX_ENTRIES = 10_000;

interface CachedPrincipal {
  principalId: string | null;
  /** The stored SHA-256 digest the principal was found by (null for an unknown key). */
  digest: Buffer | null;
  expiresAt: number;
}

/**
 * Whether two SHA-256 digests are equal, in time that does not depend on where they differ
 * (`timingSafeEqual` has no early exit). Lengths are not secret: a SHA-256 digest is 32 bytes.
 */
export function sameDigest(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Resolves `Authorization: Bearer <api key>` to a principal id.
 *
 * The key itself is never stored or compared: it is hashed (SHA-256) first. The row is found
 * by its digest (an index lookup; a timing difference there could only tell an attacker how
 * many leading digest bytes of their own guess match some stored digest, which does not help
 * find a key that hashes to it), and accepting it is decided by `sameDigest`, which compares
 * the whole digest in constant time. Answers are cached briefly so authentication costs no
 * round trip on the hot path; a cache hit is verified the same way.
 */
export function createPrincipalResolver(db: Database) {
  const cache = new Map<string, CachedPrincipal>();
  return async function resolvePrincipal(authorization: string | null): Promise<string | null> {
    const apiKey = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
    if (!apiKey) return null;
    const hash = hashApiKey(apiKey);
    const digest = Buffer.from(hash, "hex");
    const hit = cache.get(hash);
    if (hit && hit.expiresAt > Date.now()) return accepted(hit, digest);

    const [row] = await db
      .select({ id: schema.principals.id, apiKeyHash: schema.principals.apiKeyHash })
      .from(schema.principals)
      .where(eq(schema.principals.apiKeyHash, hash));
    const entry: CachedPrincipal = {
      principalId: row?.id ?? null,
      digest: row ? Buffer.from(row.apiKeyHash, "hex") : null,
      expiresAt: Date.now() + CACHE_TTL_MS,
    };
    if (cache.size >= CACHE_MAX_ENTRIES) cache.clear();
    cache.set(hash, entry);
    return accepted(entry, digest);
  };
}

function accepted(entry: CachedPrincipal, digest: Buffer): string | null {
  if (entry.principalId === null || entry.digest === null) return null;
  return sameDigest(entry.digest, digest) ? entry.principalId : null;
}

export type PrincipalResolver = ReturnType<typeof createPrincipalResolver>;
