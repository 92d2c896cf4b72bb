// The middleware's statements measured at the driver: postgres.js in the bench process, no
// HTTP, tRPC or drizzle around them, so the only cost left is the statements' own (building,
// sending, parsing, and PostgreSQL's work). Beside them, the floor of any key store kept in
// the business transaction: one key row, answer included, INSERTed with COMMIT.
import { randomUUID } from "node:crypto";
import type { KeyRef } from "@oncely/idempotency/store";
import postgres from "postgres";
import { claimAtDriver, claimLiteralAtDriver, insertKeyRowWithAnswer, withCommit } from "./engineStatements";
import { inRounds } from "./load";
import { median } from "./stats";

export const DRIVER_VARIANTS = {
  order: "order transaction: SELECT the account, INSERT the order",
  rowAtCommit: "+ the key row with its answer, INSERTed with COMMIT (the floor; no lock: not an engine)",
  claim: "+ claim, awaited before the order (the key's advisory lock if free, and its row: one statement, prepared)",
  claimUnprepared: "+ the same claim unprepared, as drizzle's execute(sql) sends it (describe + parse each time)",
  claimLiteral: "+ the same claim with its values written into the text (unprepared, no describe)",
  engine: "+ claim + SAVEPOINT + the key row with its answer (INSERT with COMMIT): the middleware's statements",
} as const;
export type DriverVariant = keyof typeof DRIVER_VARIANTS;
/** Concurrent transactions, on a pool as large. */
export const DRIVER_WORKERS = 10;

export interface DriverCost {
  /** CPU per transaction in this process (postgres.js), µs. */
  nodeUs: number;
  /** CPU per transaction in PostgreSQL, µs. */
  postgresUs: number;
  /** More than the order transaction in the same round, median over rounds, µs. */
  overOrderUs: number;
}

/**
 * Runs each variant `transactions` times per round from 10 concurrent workers on a pool of
 * 10, variants interleaved (reversed every other round); CPU per transaction, median over rounds.
 */
export async function measureDriverStatements(options: {
  url: string;
  principalId: string;
  accountId: string;
  rounds: number;
  transactions: number;
  postgresCpuMs: () => number;
}): Promise<Record<DriverVariant, DriverCost>> {
  const { principalId, accountId } = options;
  const sql = postgres(options.url, { max: DRIVER_WORKERS, onnotice: () => {} });
  type Tx = postgres.TransactionSql;
  const order = async (tx: Tx) => {
    await tx`SELECT currency FROM accounts WHERE id = ${accountId} AND principal_id = ${principalId}`;
    const [row] = await tx`
      INSERT INTO orders (principal_id, account_id, amount, currency)
      VALUES (${principalId}, ${accountId}, 1999, 'USD') RETURNING *`;
    return JSON.stringify(row);
  };
  const variants: Record<DriverVariant, (tx: Tx, ref: KeyRef) => Promise<unknown>> = {
    order,
    rowAtCommit: async (tx, ref) => withCommit(insertKeyRowWithAnswer(tx, ref, "driver", await order(tx))),
    claim: async (tx, ref) => {
      await claimAtDriver(tx, ref);
      return order(tx);
    },
    claimUnprepared: async (tx, ref) => {
      await claimAtDriver(tx, ref, false);
      return order(tx);
    },
    claimLiteral: async (tx, ref) => {
      await claimLiteralAtDriver(tx, ref);
      return order(tx);
    },
    engine: async (tx, ref) => {
      await Promise.all([claimAtDriver(tx, ref), tx`SAVEPOINT oncely_handler`.execute()]);
      withCommit(insertKeyRowWithAnswer(tx, ref, "driver", await order(tx)));
    },
  };
  const names = Object.keys(variants) as DriverVariant[];

  const run = async (variant: DriverVariant, transactions: number) => {
    let started = 0;
    const cpu = process.cpuUsage();
    const postgresBefore = options.postgresCpuMs();
    await Promise.all(
      Array.from({ length: DRIVER_WORKERS }, async () => {
        while (started++ < transactions) {
          await sql.begin((tx) => variants[variant](tx, { principalId, key: randomUUID() }));
        }
      }),
    );
    const used = process.cpuUsage(cpu);
    return {
      nodeUs: (used.user + used.system) / transactions,
      postgresUs: ((options.postgresCpuMs() - postgresBefore) * 1000) / transactions,
    };
  };

  try {
    for (const variant of names) await run(variant, 500); // warm up JIT and prepared statements
    const samples = await inRounds({
      variants: names,
      rounds: options.rounds,
      measure: (variant) => run(variant, options.transactions),
    });
    const total = (s: { nodeUs: number; postgresUs: number }) => s.nodeUs + s.postgresUs;
    const cost = (variant: DriverVariant): DriverCost => {
      const own = samples[variant];
      return {
        nodeUs: median(own.map((s) => s.nodeUs)),
        postgresUs: median(own.map((s) => s.postgresUs)),
        overOrderUs: median(own.map((s, i) => total(s) - total(samples.order[i] ?? s))),
      };
    };
    return Object.fromEntries(names.map((variant) => [variant, cost(variant)])) as Record<DriverVariant, DriverCost>;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
