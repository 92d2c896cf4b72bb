import { type Database, eq, hashApiKey, schema } from "@oncely/db";

const CACHE_TTL_MS = 60_000;
const CACHE_MAX_ENTRIES = 10_000;

interface CachedPrincipal {
  principalId: string | null;
  expiresAt: number;
}

/**
 * Resolves `Authorization: Bearer <api key>` to a principal id. Keys are compared by their
 * SHA-256 digest (an index lookup on the hash; the key itself is never stored). Answers are
 * cached briefly so authentication costs no round trip on the hot path.
 */
export function createPrincipalResolver(db: Database) {
  const cache = new Map<string, CachedPrincipal>();
  return async function resolvePrincipal(authorization: string | null): Promise<string | null> {
    const apiKey = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
    if (!apiKey) return null;
    const hash = hashApiKey(apiKey);
    const hit = cache.get(hash);
    if (hit && hit.expiresAt > Date.now()) return hit.principalId;

    const [row] = await db
      .select({ id: schema.principals.id })
      .from(schema.principals)
      .where(eq(schema.principals.apiKeyHash, hash));
    const principalId = row?.id ?? null;
    if (cache.size >= CACHE_MAX_ENTRIES) cache.clear();
    cache.set(hash, { principalId, expiresAt: Date.now() + CACHE_TTL_MS });
    return principalId;
  };
}

export type PrincipalResolver = ReturnType<typeof createPrincipalResolver>;
