import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { inject } from "vitest";
import { createDbClient, type DbClient } from "./client";
import { TEMPLATE_DATABASE } from "./testing/constants";

export interface TestDatabase extends DbClient {
  /** Connection URL of this test file's own database. */
  url: string;
  name: string;
  /** Closes the pool and drops the database. */
  drop: () => Promise<void>;
}

/**
 * A fresh, migrated database of its own for one test file, copied from the run's template
 * (CREATE DATABASE ... TEMPLATE takes milliseconds). Real PostgreSQL, never a mock.
 */
export async function createTestDatabase(options: { max?: number } = {}): Promise<TestDatabase> {
  const adminUrl = inject("oncelyPostgresUrl");
  const name = `oncely_test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`);
        break;
      } catch (error) {
        // 55006: the template is briefly in use by another file's CREATE DATABASE.
        if ((error as { code?: string }).code !== "55006" || attempt >= 50) throw error;
        await new Promise((r) => setTimeout(r, 50 * attempt));
      }
    }
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const client = createDbClient(url.toString(), { max: options.max ?? 20 });
  return {
    ...client,
    url: url.toString(),
    name,
    drop: async () => {
      await client.close();
      const dropper = postgres(adminUrl, { max: 1, onnotice: () => {} });
      try {
        await dropper.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await dropper.end({ timeout: 5 });
      }
    },
  };
}

/**
 * Holds one row's lock (`SELECT ... FOR UPDATE` in a transaction of its own on `sql`), so a
 * request that needs the row waits inside its transaction. Resolves once the lock is held;
 * `release()` ends the holding transaction and resolves when it has.
 */
export async function holdRowLock(
  sql: postgres.Sql,
  table: string,
  id: string,
): Promise<{ release: () => Promise<void> }> {
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let locked = () => {};
  const isLocked = new Promise<void>((resolve) => {
    locked = resolve;
  });
  const holding = sql.begin(async (tx) => {
    await tx`SELECT id FROM ${tx(table)} WHERE id = ${id} FOR UPDATE`;
    locked();
    await released;
  });
  // A holder that fails before locking must fail the test, not leave it waiting.
  await Promise.race([isLocked, holding]);
  return {
    release: async () => {
      release();
      await holding;
    },
  };
}
