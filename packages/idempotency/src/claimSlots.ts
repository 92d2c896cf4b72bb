import type { KeyRef } from "./store";

export const DEFAULT_MAX_WAITERS_PER_KEY = 2;
export const DEFAULT_MAX_WAITERS_PER_PRINCIPAL = 4;

/**
 * Bounds how many requests of this process wait for a key another request holds. A waiter
 * sits on the key's lock with a pool connection; without a bound, a storm of duplicates of one
 * stalled key takes every connection and everyone else waits too. Past the bound a duplicate
 * is answered 409 + Retry-After at once, before it takes a connection. The bound is per
 * process: with N instances each one keeps its own.
 */
export class ClaimSlots {
  private readonly inFlight = new Map<string, number>();
  private readonly waitingByPrincipal = new Map<string, number>();

  constructor(
    private readonly maxWaitersPerKey: number,
    private readonly maxWaitersPerPrincipal: number,
  ) {}

  /**
   * Enters the claim of a key. Returns the function that leaves it, or null when this request
   * would wait for another one with the key and the waiters' bound is reached.
   */
  enter(ref: KeyRef): (() => void) | null {
    const id = `${ref.principalId}\u0000${ref.key}`;
    const inFlight = this.inFlight.get(id) ?? 0;
    const waits = inFlight > 0;
    if (waits) {
      const principalWaiting = this.waitingByPrincipal.get(ref.principalId) ?? 0;
      if (inFlight - 1 >= this.maxWaitersPerKey || principalWaiting >= this.maxWaitersPerPrincipal) return null;
      this.waitingByPrincipal.set(ref.principalId, principalWaiting + 1);
    }
    this.inFlight.set(id, inFlight + 1);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      decrement(this.inFlight, id);
      if (waits) decrement(this.waitingByPrincipal, ref.principalId);
    };
  }
}

function decrement(counts: Map<string, number>, id: string): void {
  const next = (counts.get(id) ?? 1) - 1;
  if (next > 0) counts.set(id, next);
  else counts.delete(id);
}
