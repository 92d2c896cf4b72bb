import { createHash, randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import type { Database } from "./client";
import { accounts, ledgerEntries, principals } from "./schema";

/** SHA-256 (hex) of a secret API key: what `principals.api_key_hash` holds. */
export function hashApiKey(apiKey: string): string {
  return createHash("sha256").update(apiKey, "utf8").digest("hex");
}

export interface DemoAccount {
  name: string;
  kind: "customer" | "merchant";
  openingBalance: number;
}

export interface DemoPrincipal {
  name: string;
  apiKey: string;
  accounts: DemoAccount[];
}

/** The demo principals `ONCELY_DEMO=1` creates. Amounts are USD cents. */
export const DEMO_PRINCIPALS: readonly DemoPrincipal[] = [
  {
    name: "alice",
    apiKey: "sk_test_alice",
    accounts: [
      { name: "Alice's Shop", kind: "merchant", openingBalance: 0 },
      { name: "Alice Checking", kind: "customer", openingBalance: 250_000 },
      { name: "Alice Savings", kind: "customer", openingBalance: 100_000 },
    ],
  },
  {
    name: "bob",
    apiKey: "sk_test_bob",
    accounts: [
      { name: "Bob's Bikes", kind: "merchant", openingBalance: 0 },
      { name: "Bob Checking", kind: "customer", openingBalance: 150_000 },
      { name: "Bob Savings", kind: "customer", openingBalance: 50_000 },
    ],
  },
];

const SEED_LOCK_ID = 7_042_190_332n;
const CURRENCY = "USD";

/**
 * Creates the demo principals and their accounts once. Opening balances come from a
 * per-principal equity account through balanced ledger entries, so the ledger invariants
 * hold from the first row. Safe to run on every start and from several processes at once.
 */
export async function seedDemo(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${SEED_LOCK_ID.toString()}::bigint)`);
    for (const demo of DEMO_PRINCIPALS) {
      const existing = await tx.select({ id: principals.id }).from(principals).where(eq(principals.name, demo.name));
      if (existing.length > 0) continue;

      const [principal] = await tx
        .insert(principals)
        .values({ name: demo.name, apiKeyHash: hashApiKey(demo.apiKey) })
        .returning({ id: principals.id });
      if (!principal) throw new Error(`seeding ${demo.name} returned no row`);

      const total = demo.accounts.reduce((sum, a) => sum + a.openingBalance, 0);
      const [equity] = await tx
        .insert(accounts)
        .values({
          principalId: principal.id,
          name: "Opening balances",
          kind: "equity",
          currency: CURRENCY,
          balance: -total,
          allowNegative: true,
        })
        .returning({ id: accounts.id });
      if (!equity) throw new Error(`seeding ${demo.name}'s equity account returned no row`);

      const created = await tx
        .insert(accounts)
        .values(
          demo.accounts.map((a) => ({
            principalId: principal.id,
            name: a.name,
            kind: a.kind,
            currency: CURRENCY,
            balance: a.openingBalance,
          })),
        )
        .returning({ id: accounts.id, balance: accounts.balance });

      const movementId = randomUUID();
      const funded = created.filter((a) => a.balance !== 0);
      if (funded.length === 0) continue;
      await tx.insert(ledgerEntries).values([
        {
          movementId,
          accountId: equity.id,
          amount: -total,
          currency: CURRENCY,
          description: "Opening balance",
        },
        ...funded.map((a) => ({
          movementId,
          accountId: a.id,
          amount: a.balance,
          currency: CURRENCY,
          description: "Opening balance",
        })),
      ]);
    }
  });
}
