// `pnpm --filter @oncely/server sweep`: delete expired idempotency keys once, in batches, and
// exit. It connects to DATABASE_URL and never starts a database of its own.
import { createDbClient } from "@oncely/db";
import { sweepExpiredKeys } from "@oncely/idempotency";
import pino from "pino";
import { configOrExit, parseSweepConfig } from "./env";

const config = configOrExit(parseSweepConfig);
if (config) {
  const logger = pino({ name: "oncely-sweep", level: config.logLevel });
  const client = createDbClient(config.databaseUrl, { max: 1, applicationName: "oncely-sweeper" });
  try {
    const deleted = await sweepExpiredKeys(client.db, { batchSize: config.sweepBatchSize });
    logger.info({ deleted }, `Deleted ${deleted} expired idempotency keys`);
  } catch (err) {
    logger.fatal({ err }, "sweeping expired idempotency keys failed");
    process.exitCode = 1;
  } finally {
    await client.close();
  }
}
