// Runs the outbox worker against DATABASE_URL (or the embedded cluster), delivering to the
// demo mail sink. Run as many as you like: they share the queue with SKIP LOCKED.
import { createDbClient } from "@oncely/db";
import { openDatabase } from "@oncely/db/setup";
import { createDatabaseMailSink } from "./mailSink";
import { startOutboxWorker } from "./outboxWorker";

const database = await openDatabase();
const client = createDbClient(database.url, { max: 2, applicationName: "oncely-outbox-worker" });
const worker = startOutboxWorker({
  db: client.db,
  sink: createDatabaseMailSink(client.db),
  pollIntervalMs: Number(process.env.OUTBOX_POLL_MS ?? 1_000),
  onError: (error, messageId) => console.error(`sending ${messageId} failed; it will be retried`, error),
  onLoopError: (error) => console.error("outbox worker loop failed; retrying", error),
});
console.log("Outbox worker running; Ctrl-C to stop");

async function shutdown() {
  await worker.stop();
  await client.close();
  await database.close();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());
