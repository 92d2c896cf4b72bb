import { randomUUID } from "node:crypto";
import type { AppRouter } from "@oncely/api";
import { createOncelyClient, isOncelyError, type OncelyCallContext, type RetryPolicy, withMeta } from "@oncely/sdk";
import type { TRPCClient } from "@trpc/client";
import type { inferRouterInputs } from "@trpc/server";
import type { Journal, Outcome, PrincipalName } from "./journal";

type Inputs = inferRouterInputs<AppRouter>;
export type Client = TRPCClient<AppRouter>;

/** One logical mutation: what is sent on every attempt. */
export type Operation =
  | { path: "orders.create"; input: Inputs["orders"]["create"] }
  | { path: "payments.create"; input: Inputs["payments"]["create"] }
  | { path: "refunds.create"; input: Inputs["refunds"]["create"] }
  | { path: "transfers.create"; input: Inputs["transfers"]["create"] };

/**
 * Retries for a storm: more of them than the SDK's default, because instances die and restart
 * under the clients. The per-attempt timeout is short (2 s), much shorter than a freeze, so retries
 * arrive while a frozen instance still holds its key locks: that is what makes duplicates wait
 * and get 409s. Correctness never depends on these numbers; they only make it more likely that
 * a call ends with an answer instead of "unknown" (which the reconciliation then settles).
 */
export const SOAK_RETRY_POLICY: Partial<RetryPolicy> = {
  maxRetries: 10,
  baseDelayMs: 50,
  maxDelayMs: 2_000,
  attemptTimeoutMs: 2_000,
  deadlineMs: 30_000,
};

export function createSoakClient(url: string, principal: PrincipalName, journal: Journal): Client {
  return createOncelyClient<AppRouter>({
    url,
    apiKey: `sk_test_${principal}`,
    policy: SOAK_RETRY_POLICY,
    retryQueries: true,
    fetch: journal.countingFetch(),
  });
}

/** Sends one logical operation with its key (every retry carries it) and says how it ended. */
export async function execute(client: Client, operation: Operation, key: string): Promise<Outcome> {
  try {
    const { data, attempts, replayed } = await withMeta((context) => send(client, operation, context), {
      idempotencyKey: key,
    });
    const row = data as unknown as Record<string, unknown>;
    return { kind: "succeeded", id: String(row.id), data: row, attempts, replayed };
  } catch (error) {
    if (!isOncelyError(error)) {
      return { kind: "unknown", errorCode: "unexpected", message: String(error), attempts: 0 };
    }
    // A final 4xx is the server's last word; anything else (no answer, timeouts, 5xx, a 409
    // "still in progress" after the last retry, an empty retry budget) leaves it unknown.
    const status = error.httpStatus;
    if (error.code === "server_error" && !error.retryable && status !== undefined && status < 500) {
      return { kind: "refused", serverCode: error.serverCode, httpStatus: status, attempts: error.attempts };
    }
    return { kind: "unknown", errorCode: error.code, message: error.message.slice(0, 200), attempts: error.attempts };
  }
}

function send(client: Client, operation: Operation, context: OncelyCallContext): Promise<unknown> {
  switch (operation.path) {
    case "orders.create":
      return client.orders.create.mutate(operation.input, { context });
    case "payments.create":
      return client.payments.create.mutate(operation.input, { context });
    case "refunds.create":
      return client.refunds.create.mutate(operation.input, { context });
    case "transfers.create":
      return client.transfers.create.mutate(operation.input, { context });
  }
}

/** What the clients of one principal know from acknowledged answers (shared between them). */
export interface PrincipalBook {
  principal: PrincipalName;
  accounts: { checking: string; savings: string; merchant: string };
  /** Acknowledged orders not yet known to be paid: order id → amount. */
  unpaidOrders: Map<string, number>;
  /** Acknowledged payments: id → amount and acknowledged refunds so far. */
  payments: Map<string, { amount: number; refunded: number }>;
}

export async function openBook(client: Client, principal: PrincipalName): Promise<PrincipalBook> {
  const accounts = await client.accounts.list.query();
  const find = (predicate: (a: (typeof accounts)[number]) => boolean) => {
    const account = accounts.find(predicate);
    if (!account) throw new Error(`${principal} has no such account`);
    return account.id;
  };
  return {
    principal,
    accounts: {
      checking: find((a) => a.name.endsWith("Checking")),
      savings: find((a) => a.name.endsWith("Savings")),
      merchant: find((a) => a.kind === "merchant"),
    },
    unpaidOrders: new Map(),
    payments: new Map(),
  };
}

const TRANSFER_ROUTES = [
  ["merchant", "checking"],
  ["merchant", "savings"],
  ["checking", "savings"],
  ["savings", "checking"],
] as const;

/**
 * The next operation a client of `book` sends: mostly orders and payments of them, then
 * refunds (sometimes asking for more than is left) and transfers that move the merchant's
 * takings back to the customer accounts so money keeps circulating. Clients of one principal
 * share the book, so two of them may pay the same order or refund the same payment at once,
 * with different keys: exactly one payment may win, refunds may never add up to more.
 */
export function nextOperation(book: PrincipalBook, key: string, random: () => number): Operation {
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
  const roll = random();

  if (roll < 0.3 && book.unpaidOrders.size > 0) {
    return { path: "payments.create", input: { orderId: pick([...book.unpaidOrders.keys()]) } };
  }
  if (roll < 0.45 && book.payments.size > 0) {
    const [paymentId, payment] = pick([...book.payments.entries()]);
    const left = Math.max(0, payment.amount - payment.refunded);
    const amount = left > 0 && random() < 0.8 ? int(1, left) : left + int(1, 500);
    return { path: "refunds.create", input: { paymentId, amount } };
  }
  if (roll < 0.65) {
    const [from, to] = pick(TRANSFER_ROUTES);
    return {
      path: "transfers.create",
      input: {
        fromAccountId: book.accounts[from],
        toAccountId: book.accounts[to],
        amount: int(100, 8_000),
        currency: "USD",
      },
    };
  }
  return {
    path: "orders.create",
    input: {
      accountId: random() < 0.7 ? book.accounts.checking : book.accounts.savings,
      amount: int(100, 5_000),
      currency: "USD",
      // The key in the row itself, so the audit can count orders per key directly.
      description: `soak ${key}`,
    },
  };
}

/** Updates the shared book with what an operation's answer taught us. */
export function learn(book: PrincipalBook, operation: Operation, outcome: Outcome): void {
  if (outcome.kind === "succeeded") {
    const data = outcome.data;
    if (operation.path === "orders.create") book.unpaidOrders.set(outcome.id, Number(data.amount));
    if (operation.path === "payments.create") {
      book.unpaidOrders.delete(operation.input.orderId);
      book.payments.set(outcome.id, { amount: Number(data.amount), refunded: 0 });
    }
    if (operation.path === "refunds.create") {
      const payment = book.payments.get(operation.input.paymentId);
      if (payment) payment.refunded += operation.input.amount;
    }
    return;
  }
  if (outcome.kind === "refused" && operation.path === "payments.create") {
    // Paid by someone else, or not payable now: stop trying (insufficient funds would repeat).
    book.unpaidOrders.delete(operation.input.orderId);
  }
  if (
    outcome.kind === "refused" &&
    outcome.serverCode === "refund_exceeds_payment" &&
    operation.path === "refunds.create"
  ) {
    const payment = book.payments.get(operation.input.paymentId);
    if (payment && payment.amount - payment.refunded <= 0) book.payments.delete(operation.input.paymentId);
  }
}

export interface FleetOptions {
  url: string;
  clients: number;
  journal: Journal;
  books: Record<PrincipalName, PrincipalBook>;
  /** Share of operations sent twice at once with the same key (a double click). */
  doubleSubmitRate?: number;
  random?: () => number;
}

export interface Fleet {
  /** Stops starting new operations and waits for the ones in flight to end. */
  stop: () => Promise<void>;
}

/**
 * `clients` SDK clients, alternating between the demo principals, each sending one logical
 * operation after another until stopped. Every operation is journaled with what its client saw.
 */
export function startFleet(options: FleetOptions): Fleet {
  const random = options.random ?? Math.random;
  const doubleSubmitRate = options.doubleSubmitRate ?? 0.05;
  let stopping = false;

  const runClient = async (index: number) => {
    const principal: PrincipalName = index % 2 === 0 ? "alice" : "bob";
    const book = options.books[principal];
    const client = createSoakClient(options.url, principal, options.journal);
    while (!stopping) {
      const key = randomUUID();
      const operation = nextOperation(book, key, random);
      const copies = random() < doubleSubmitRate ? 2 : 1;
      const outcomes = await Promise.all(Array.from({ length: copies }, () => execute(client, operation, key)));
      const first = options.journal.add({
        client: index,
        principal,
        key,
        ...operation,
        outcome: outcomes[0] as Outcome,
      });
      for (const outcome of outcomes.slice(1)) {
        options.journal.add({ client: index, principal, key, ...operation, outcome, copyOf: first.seq });
      }
      // Copies share one key: they are one operation, learnt from once.
      learn(book, operation, outcomes.find((o) => o.kind === "succeeded") ?? (outcomes[0] as Outcome));
    }
  };

  const running = Array.from({ length: options.clients }, (_, index) => runClient(index));
  return {
    stop: async () => {
      stopping = true;
      await Promise.all(running);
    },
  };
}

/**
 * Settles every unknown outcome: sends the same key and input again, now that the chaos is
 * over. The answer is either a replay (it had run, once) or a first execution (it had not).
 */
export async function reconcile(url: string, journal: Journal): Promise<void> {
  const clients = {
    alice: createSoakClient(url, "alice", journal),
    bob: createSoakClient(url, "bob", journal),
  };
  const unknown = journal.records.filter((record) => record.outcome.kind === "unknown");
  for (const record of unknown) {
    const operation = { path: record.path, input: record.input } as Operation;
    record.reconciled = await execute(clients[record.principal], operation, record.key);
  }
}
