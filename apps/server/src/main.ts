import type { AddressInfo } from "node:net";
import { createDatabaseMailSink, startOutboxWorker } from "@oncely/api";
import { createDbClient, seedDemo } from "@oncely/db";
import { openDatabase } from "@oncely/db/setup";
import { startSweeper } from "@oncely/idempotency";
import pino from "pino";
import { createApiServer } from "./server";

const logger = pino({ name: "oncely-server" });
const port = Number(process.env.PORT ?? 4000);
const host = process.env.HOST ?? "127.0.0.1";
const demo = process.env.ONCELY_DEMO === "1";

const database = await openDatabase({ log: (message) => logger.info(message) });
const client = createDbClient(database.url, {
  max: Number(process.env.DB_POOL_SIZE ?? 10),
  applicationName: "oncely-server",
});
if (demo) {
  await seedDemo(client.db);
  logger.info("Demo mode: principals alice (sk_test_alice) and bob (sk_test_bob) are ready");
}

const server = createApiServer({ db: client.db, logger });
// Order confirmation emails: delivered from the transactional outbox, once each.
const outboxWorker = startOutboxWorker({
  db: client.db,
  sink: createDatabaseMailSink(client.db),
  onError: (err, messageId) => logger.warn({ err, messageId }, "sending an outbox message failed; will retry"),
  onLoopError: (err) => logger.warn({ err }, "outbox worker pass failed; will retry"),
});
// Expired idempotency keys are deleted in small batches, never in one long-locking statement.
const sweeper = startSweeper(client.db, {
  intervalMs: Number(process.env.SWEEP_INTERVAL_MS ?? 60_000),
  onSweep: (deleted) => deleted > 0 && logger.info({ deleted }, "swept expired idempotency keys"),
  onError: (err) => logger.warn({ err }, "sweeping expired idempotency keys failed; will try again"),
});
server.listen(port, host, () => {
  const { port: actual } = server.address() as AddressInfo;
  // Tests and scripts read this line to find the port when PORT=0.
  logger.info({ url: `http://${host}:${actual}/trpc` }, `Oncely API listening on http://${host}:${actual}/trpc`);
});

let shuttingDown = false;
async function shutdown(signal: string) {
  if (shuttingDown) return;
  shuttingDown = true;
  logger.info({ signal }, "shutting down: finishing in-flight requests");
  // Stop accepting, let in-flight requests finish (their transactions commit or roll back),
  // then close the pool and stop the embedded PostgreSQL if we started it.
  server.closeIdleConnections();
  const force = setTimeout(() => server.closeAllConnections(), 10_000).unref();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  clearTimeout(force);
  await sweeper.stop();
  await outboxWorker.stop();
  await client.close();
  await database.close();
  logger.info("stopped");
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
