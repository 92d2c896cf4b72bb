/** The idempotent mutations the soak drives, and the table each one writes its row to. */
export const KEYED_PROCEDURES = {
  "orders.create": "orders",
  "payments.create": "payments",
  "refunds.create": "refunds",
  "transfers.create": "transfers",
} as const;
export type KeyedPath = keyof typeof KEYED_PROCEDURES;

export type PrincipalName = "alice" | "bob";

/**
 * How a call ended, as its client saw it:
 * - succeeded: data came back (first run or replay): an acknowledged write;
 * - refused: the server answered with a final error (e.g. insufficient_funds);
 * - unknown: no final answer (network, timeouts, retries used up): it may or may not have run.
 */
export type Outcome =
  | { kind: "succeeded"; id: string; data: Record<string, unknown>; attempts: number; replayed: boolean }
  | { kind: "refused"; serverCode: string | undefined; httpStatus: number | undefined; attempts: number }
  | { kind: "unknown"; errorCode: string; message: string; attempts: number };

/** One logical operation: one idempotency key, one input, what the client saw. */
export interface OperationRecord {
  seq: number;
  client: number;
  principal: PrincipalName;
  path: KeyedPath;
  key: string;
  input: Record<string, unknown>;
  outcome: Outcome;
  /** A second copy sent at the same moment with the same key (a double click). */
  copyOf?: number;
  /** For an unknown outcome: the same key and input sent again after the chaos. */
  reconciled?: Outcome;
}

/** The answer that counts for an operation: after reconciliation, if there was one. */
export const finalOutcome = (record: OperationRecord): Outcome => record.reconciled ?? record.outcome;

/** What the clients saw, operation by operation, plus HTTP-level counts. */
export class Journal {
  readonly records: OperationRecord[] = [];
  /** Responses that reached a client, by HTTP status. */
  readonly statuses: Record<number, number> = {};
  /** Attempts that got no HTTP answer at all (reset, dropped, timed out). */
  networkFailures = 0;
  private seq = 0;

  add(record: Omit<OperationRecord, "seq">): OperationRecord {
    const full = { ...record, seq: ++this.seq };
    this.records.push(full);
    return full;
  }

  /** A fetch that counts what comes back, for the client fleet. */
  countingFetch(inner: typeof fetch = globalThis.fetch): typeof fetch {
    return async (input, init) => {
      try {
        const response = await inner(input, init);
        this.statuses[response.status] = (this.statuses[response.status] ?? 0) + 1;
        return response;
      } catch (error) {
        this.networkFailures++;
        throw error;
      }
    };
  }
}
