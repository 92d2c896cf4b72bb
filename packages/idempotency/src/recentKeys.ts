/** How many (principal, key) pairs a process remembers for the fast-path decision. */
export const RECENT_KEYS_CAPACITY = 50_000;

/**
 * Keys this process has seen lately, oldest forgotten first. Only a hint for speed: a key
 * seen before is probably a retry, worth one read outside any transaction (the fast path);
 * a key never seen goes straight to the claim, which answers replays too, a little slower.
 * Correctness never depends on it.
 */
export class RecentKeys {
  private readonly keys = new Set<string>();

  constructor(private readonly capacity = RECENT_KEYS_CAPACITY) {}

  /** Remembers the key and says whether it was already known. */
  seen(principalId: string, key: string): boolean {
    const id = `${principalId}\u0000${key}`;
    if (this.keys.has(id)) return true;
    this.keys.add(id);
    if (this.keys.size > this.capacity) {
      // A Set iterates in insertion order: the first entry is the oldest.
      const oldest = this.keys.values().next().value;
      if (oldest !== undefined) this.keys.delete(oldest);
    }
    return false;
  }
}
