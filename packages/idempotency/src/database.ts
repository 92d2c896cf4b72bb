import { sql } from "drizzle-orm";
import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";

/**
 * What the engine needs of the app's database: a drizzle postgres-js database, whatever its
 * schema. Only drizzle's public `transaction` and `execute` are used. Typed loosely on
 * purpose (the app's own copy of drizzle decides the real types); `TransactionOf` gives
 * handlers the app's precise transaction type back.
 */
export interface OncelyDatabase {
  // biome-ignore lint/suspicious/noExplicitAny: any drizzle database's transaction() fits here
  transaction: (...args: any[]) => Promise<any>;
  // biome-ignore lint/suspicious/noExplicitAny: any drizzle database's execute() fits here
  execute: (...args: any[]) => PromiseLike<any>;
}

/** A database without a schema: what `ctx.tx` is typed as when `idempotent()` gets no type. */
export type SchemalessDatabase = PostgresJsDatabase<Record<string, never>>;

/** The transaction drizzle hands to `db.transaction(async (tx) => ...)` for the app's database. */
export type TransactionOf<TDb extends OncelyDatabase> = Parameters<Parameters<TDb["transaction"]>[0]>[0];

/** Something that runs a statement: the database, or one of its transactions. */
export type Executor = Pick<OncelyDatabase, "execute">;

/** Runs one of the engine's statements (SQL text, see sqlText.ts) and returns its rows. */
export async function query<Row>(executor: Executor, text: string): Promise<Row[]> {
  return (await executor.execute(sql.raw(text))) as Row[];
}

/** Runs a statement for its row count (postgres.js reports it as `count`). */
export async function command(executor: Executor, text: string): Promise<number> {
  const result = (await executor.execute(sql.raw(text))) as { count?: number; length: number };
  return result.count ?? result.length;
}
