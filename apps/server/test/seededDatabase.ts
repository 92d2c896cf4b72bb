import { seedDemo } from "@oncely/db";
import { createTestDatabase, type TestDatabase } from "@oncely/db/testing";

/** A fresh test database with alice and bob seeded, and one of alice's customer accounts. */
export async function seededTestDatabase(options: { max?: number } = {}): Promise<{
  database: TestDatabase;
  aliceAccountId: string;
}> {
  const database = await createTestDatabase(options);
  await seedDemo(database.db);
  const [account] = await database.sql<{ id: string }[]>`
    SELECT a.id FROM accounts a JOIN principals p ON p.id = a.principal_id
    WHERE p.name = 'alice' AND a.kind = 'customer' ORDER BY a.name LIMIT 1`;
  if (!account) throw new Error("the demo seed made no customer account for alice");
  return { database, aliceAccountId: account.id };
}
