// `pnpm --filter @oncely/server sweep`: delete expired idempotency keys once, in batches, and exit.
import { createDbClient } from "@oncely/db";
import { openDatabase } from "@oncely/db/setup";
import { sweepExpiredKeys } from "@oncely/idempotency";

const database = await openDatabase();
const client = createDbClient(database.url, { max: 1, applicationName: "oncely-sweeper" });
try {
  const deleted = await sweepExpiredKeys(client.db, { batchSize: Number(process.env.SWEEP_BATCH_SIZE ?? 1000) });
  console.log(`Deleted ${deleted} expired idempotency keys`);
} finally {
  await client.close();
  await database.close();
}
