import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { createDatabaseMailSink, startOutboxWorker } from "@oncely/api";
import { createDbClient, DbError, seedDemo } from "@oncely/db";
import { type OpenedDatabase, openDatabase } from "@oncely/db/setup";
import { startSweeper } from "@oncely/idempotency";
import pino from "pino";
import type { ServerConfig } from "./env";
import { createMetrics } from "./metrics";
import { createMonitor } from "./monitor";
import { requestObserver } from "./requestLog";
import { createApiServer } from "./server";

/** Starts the API process: database, demo seed, HTTP server, outbox worker, sweeper. */
export async function runServer(config: ServerConfig): Promise<void> {
  const logger = pino({ name: "oncely-server", level: config.logLevel });
  // Names this process's pool in pg_stat_activity (the pool gauge counts its connections).
  const instance = randomBytes(4).toString("hex");
  const poolApplicationName = `oncely-server-${instance}`;

  let database: OpenedDatabase;
  try {
    database = await openDatabase({
      url: config.databaseUrl,
      dataDir: config.dataDir,
      allowEmbedded: !config.production,
      log: (message) => logger.info(message),
    });
  } catch (error) {
    // Known causes (no DATABASE_URL in production, a directory the postgres user cannot
    // reach...) say what to do in one line; anything else is logged whole.
    if (error instanceof DbError) logger.fatal({ code: error.code }, error.message);
    else logger.fatal({ err: error }, "could not open the database");
    process.exitCode = 1;
    return;
  }

  const client = createDbClient(database.url, { max: config.poolSize, applicationName: poolApplicationName });
  if (config.demo) {
    await seedDemo(client.db);
    logger.info("Demo mode: principals alice (sk_test_alice) and bob (sk_test_bob) are ready, chaos panel on");
  }
  const monitor = createMonitor(database.url, `oncely-server-${instance}-monitor`);
  const metrics = createMetrics({ monitor, poolApplicationName, poolSize: config.poolSize });
  const server = createApiServer({
    db: client.db,
    logger,
    monitor,
    registry: metrics.registry,
    onRequest: requestObserver(logger, metrics.observe),
  });

  // Order confirmation emails: delivered from the transactional outbox, once each.
  const outboxWorker =
    config.outboxPollMs > 0
      ? startOutboxWorker({
          db: client.db,
          sink: createDatabaseMailSink(client.db),
          pollIntervalMs: config.outboxPollMs,
          maxSendMs: config.outboxMaxSendMs,
          onError: (err, messageId) => logger.warn({ err, messageId }, "sending an outbox message failed; will retry"),
          onLoopError: (err) => logger.warn({ err }, "outbox worker pass failed; will retry"),
        })
      : null;
  // Expired idempotency keys are deleted in small batches, never in one long-locking statement.
  const sweeper =
    config.sweepIntervalMs > 0
      ? startSweeper(client.db, {
          intervalMs: config.sweepIntervalMs,
          batchSize: config.sweepBatchSize,
          onSweep: (deleted) => {
            metrics.swept(deleted);
            if (deleted > 0) logger.info({ deleted }, "swept expired idempotency keys");
          },
          onError: (err) => logger.warn({ err }, "sweeping expired idempotency keys failed; will try again"),
        })
      : null;

  server.once("error", (error: NodeJS.ErrnoException) => {
    const where = `${config.host}:${config.port}`;
    const message =
      error.code === "EADDRINUSE"
        ? `${where} is in use by another process: set PORT to a free port (0 picks one)`
        : error.code === "EADDRNOTAVAIL" || error.code === "ENOTFOUND"
          ? `HOST=${config.host} is not an address of this machine: set HOST (127.0.0.1, or 0.0.0.0 for all)`
          : `could not listen on ${where}: ${error.message}`;
    logger.fatal({ code: error.code }, message);
    void stopEverything().finally(() => process.exit(1));
  });
  server.listen(config.port, config.host, () => {
    const { port } = server.address() as AddressInfo;
    // Tests and scripts read this line to find the port when PORT=0.
    logger.info(
      { url: `http://${config.host}:${port}/trpc`, instance, demo: config.demo },
      `Oncely API listening on http://${config.host}:${port}/trpc`,
    );
  });

  let shuttingDown = false;
  async function shutdown(signal: string) {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, "shutting down: finishing in-flight requests");
    // Not ready any more, stop accepting, let in-flight requests finish (their transactions
    // commit or roll back), then close the pool and stop the embedded PostgreSQL if ours.
    server.drain();
    server.closeIdleConnections();
    const force = setTimeout(() => server.closeAllConnections(), 10_000).unref();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    clearTimeout(force);
    await stopEverything();
    logger.info("stopped");
    process.exit(0);
  }
  /** Everything but the HTTP server, in order: workers, pools, the embedded PostgreSQL if ours. */
  async function stopEverything() {
    await sweeper?.stop();
    await outboxWorker?.stop();
    await monitor.close();
    await client.close();
    await database.close();
  }
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}
