// `pnpm soak [--duration 60]`: N apps/server instances on one PostgreSQL, behind a faulty
// balancer, under SDK clients and a chaos loop that SIGKILLs instances; then an audit of what
// the clients were told against what the database holds. Writes SOAK.md; exits 1 on any failure.
import fs from "node:fs/promises";
import path from "node:path";
import { createDbClient, seedDemo } from "@oncely/db";
import { auditSoak } from "./audit";
import { startChaosLoop } from "./chaosLoop";
import { startFaultyBalancer } from "./faultyBalancer";
import { ServerInstance } from "./instances";
import { startInvariantWatch } from "./invariantWatch";
import { Journal } from "./journal";
import { describeMachine } from "./machine";
import { parseSoakArgs } from "./options";
import { startSoakPostgres } from "./postgres";
import { passed, renderMarkdown, renderSummary, type SoakRun } from "./report";
import { createSoakClient, openBook, reconcile, startFleet } from "./workload";

const INVARIANT_CHECK_EVERY_MS = 5_000;

const started = Date.now();
const log = (message: string) => console.log(`[soak ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);

const options = parseSoakArgs(process.argv.slice(2));
const machine = describeMachine();
const instances: ServerInstance[] = [];
/** Undone in reverse order, on the way out whatever the way. */
const cleanups: (() => Promise<unknown>)[] = [];
/** The run's temporary directory; kept (PostgreSQL stopped) when the run fails, for a look. */
let runRoot: string | undefined;
let keepRoot = false;

async function cleanUp() {
  while (cleanups.length > 0)
    await cleanups
      .pop()?.()
      .catch((error) => log(`cleanup: ${String(error)}`));
}
// Ctrl-C or a CI timeout: stop every child and PostgreSQL, then leave.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping instances and PostgreSQL`);
    void cleanUp().finally(() => process.exit(130));
  });
}
// If everything else failed: never leave an API process behind.
process.on("exit", () => {
  for (const instance of instances) instance.killNow();
});

async function run(): Promise<boolean> {
  log(
    `${options.durationSeconds} s, ${options.instances} instances, ${options.clients} clients (${machine.cores} cores, load ${machine.loadAtStart})`,
  );
  const postgres = await startSoakPostgres();
  runRoot = postgres.root;
  cleanups.push(async () => {
    await postgres.stop();
    if (keepRoot) log(`kept the database and the instances' logs in ${postgres.root}`);
    else await fs.rm(postgres.root, { recursive: true, force: true });
  });
  log(`PostgreSQL ready in ${postgres.root}`);
  const database = createDbClient(postgres.url, { max: 4, applicationName: "oncely-soak" });
  cleanups.push(() => database.close());
  // Seeded once here, so instances starting at the same moment do not race to do it.
  await seedDemo(database.db);

  const logDir = path.join(postgres.root, "logs");
  await fs.mkdir(logDir);
  for (let i = 1; i <= options.instances; i++) {
    instances.push(new ServerInstance(`api-${i}`, { DATABASE_URL: postgres.url, DB_POOL_SIZE: "10" }, logDir));
  }
  cleanups.push(() => Promise.all(instances.map((instance) => instance.kill())));
  await Promise.all(instances.map((instance) => instance.start()));
  log(`instances up: ${instances.map((i) => `${i.name} ${i.origin}`).join(", ")}`);

  const balancer = await startFaultyBalancer({
    upstreams: () => instances.flatMap((i) => (i.state === "up" && i.origin ? [i.origin] : [])),
    faults: options.faults,
  });
  cleanups.push(() => balancer.close());
  const url = `${balancer.url}/trpc`;
  const journal = new Journal();
  const books = {
    alice: await openBook(createSoakClient(url, "alice", journal), "alice"),
    bob: await openBook(createSoakClient(url, "bob", journal), "bob"),
  };

  log(`traffic and chaos for ${options.durationSeconds} s through ${balancer.url}`);
  const chaosStarted = Date.now();
  const watch = startInvariantWatch(database.db, INVARIANT_CHECK_EVERY_MS);
  const fleet = startFleet({ url, clients: options.clients, journal, books });
  const chaos = startChaosLoop({
    instances,
    killEveryMs: options.killEveryMs,
    busyness: (instance) => (instance.origin ? balancer.inFlight(instance.origin) : 0),
    onEvent: (event) => log(`${event.what} ${event.instance}${event.detail ? `: ${event.detail}` : ""}`),
  });
  await new Promise((resolve) => setTimeout(resolve, options.durationSeconds * 1000));

  log(`time is up after ${journal.records.length} operations: draining in-flight calls, restoring instances`);
  await Promise.all([fleet.stop(), chaos.stop()]);
  const chaosSeconds = Math.round((Date.now() - chaosStarted) / 100) / 10;
  balancer.calm();
  const unknown = journal.records.filter((r) => r.outcome.kind === "unknown").length;
  log(`reconciling ${unknown} operations without a final answer (same key, same input, no faults)`);
  await reconcile(url, journal);
  await watch.stop();
  await Promise.all(instances.map((instance) => instance.stop()));

  log("auditing");
  const audit = await auditSoak(database, journal.records);
  const result: SoakRun = {
    options,
    startedAt: new Date(started),
    chaosSeconds,
    totalSeconds: Math.round((Date.now() - started) / 1000),
    machine,
    records: journal.records,
    clientStatuses: journal.statuses,
    clientNetworkFailures: journal.networkFailures,
    balancer: balancer.stats,
    kills: chaos.kills(),
    freezes: chaos.freezes(),
    restarts: chaos.events.filter((e) => e.what === "restarted").length,
    invariantChecks: watch.checks() + 1,
    invariantViolationsDuringRun: watch.violations,
    audit,
  };
  await fs.mkdir(path.dirname(options.reportPath), { recursive: true });
  await fs.writeFile(options.reportPath, renderMarkdown(result));
  console.log(`\n${renderSummary(result)}\n`);
  log(`report written to ${path.relative(process.cwd(), options.reportPath) || options.reportPath}`);
  return passed(result);
}

let ok = false;
try {
  ok = await run();
} catch (error) {
  console.error(error);
} finally {
  keepRoot = !ok && runRoot !== undefined;
  await cleanUp();
}
log(ok ? "PASS" : "FAIL");
process.exit(ok ? 0 : 1);
