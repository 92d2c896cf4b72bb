import type { Executor } from "./database";
import { hasErrorCode } from "./postgresErrors";
import { addReplays, type KeyRef } from "./store";

/** How long replays are gathered before their counts are written. */
export const REPLAY_FLUSH_MS = 100;

/**
 * Counts replays off the answer path: a burst of N replays of one key becomes one UPDATE,
 * not N UPDATEs queueing on the same row lock and holding N pool connections.
 */
export class ReplayCounter {
  private pending = new Map<string, { ref: KeyRef; replays: number }>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly db: Executor,
    private readonly onError: (error: unknown) => void,
  ) {}

  record(ref: KeyRef): void {
    const id = `${ref.principalId}\u0000${ref.key}`;
    const entry = this.pending.get(id);
    if (entry) entry.replays++;
    else this.pending.set(id, { ref, replays: 1 });
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), REPLAY_FLUSH_MS);
      this.timer.unref?.();
    }
  }

  /** Writes what is pending now (also on shutdown). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = [...this.pending.values()].map(({ ref, replays }) => ({ ...ref, replays }));
    this.pending.clear();
    await addReplays(this.db, batch).catch((error: unknown) => {
      // The pool was closed (shutdown): the counts are bookkeeping, not worth a complaint.
      if (!hasErrorCode(error, "CONNECTION_ENDED")) this.onError(error);
    });
  }
}
