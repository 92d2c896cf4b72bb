// `pnpm soak [--duration 60]`: N apps/server instances on one PostgreSQL, behind a faulty
// balancer, under SDK clients and a chaos loop that SIGKILLs instances, while PostgreSQL itself
// is reset, killed, restarted and blackholed; then an audit of what the clients were told
// against what the database holds. Writes SOAK.md; exits 1 on any failure.
import fs from "node:fs/promises";
import path from "node:path";
import { createDbClient, seedDemo } from "@oncely/db";
import { auditSoak } from "./audit";
import { startChaosLoop } from "./chaosLoop";
import { analyseDbFaults, everyInstanceServes } from "./dbFaultAnalysis";
import { type DbFaultLoop, startDbFaultLoop } from "./dbFaults";
import { type DbProbe, startDbProbe } from "./dbProbe";
import { startFaultyBalancer } from "./faultyBalancer";
import { ServerInstance } from "./instances";
import { startInvariantWatch } from "./invariantWatch";
import { Journal } from "./journal";
import { describeMachine } from "./machine";
import { parseSoakArgs } from "./options";
import { startSoakPostgres } from "./postgres";
import { startReaper } from "./reaperClient";
import { passed, renderMarkdown, renderSummary, type SoakRun } from "./report";
import { startTcpFaultProxy } from "./tcpFaultProxy";
import { createSoakClient, openBook, reconcile, startFleet } from "./workload";

const INVARIANT_CHECK_EVERY_MS = 5_000;

const started = Date.now();
const log = (message: string) => console.log(`[soak ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);

const options = parseSoakArgs(process.argv.slice(2));
const machine = describeMachine();
// First of all: whatever happens to this process from here on, nothing it starts outlives it.
const reaper = startReaper();
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
    // The reaper is not told "done": it sweeps up whatever this cleanup does not get to.
    void cleanUp().finally(() => process.exit(130));
  });
}
// If everything else failed: never leave an API process behind.
process.on("exit", () => {
  for (const instance of instances) instance.killNow();
});

async function run(): Promise<boolean> {
  log(
    `${options.durationSeconds} s, ${options.instances} instances, ${options.clients} clients, database faults ${options.dbFaults ? "on" : "off"} (${machine.cores} cores, load ${machine.loadAtStart}; reaper pid ${reaper.pid})`,
  );
  const postgres = await startSoakPostgres();
  runRoot = postgres.root;
  reaper.tell({ postgres: postgres.control.dataDir });
  reaper.tell({ directory: postgres.root });
  cleanups.push(async () => {
    await postgres.stop();
    if (keepRoot) log(`kept the database and the instances' logs in ${postgres.root}`);
    else await fs.rm(postgres.root, { recursive: true, force: true });
  });
  log(`PostgreSQL ready in ${postgres.root} (pid ${postgres.control.postmasterPid()}, port ${postgres.port})`);
  const database = createDbClient(postgres.url, { max: 4, applicationName: "oncely-soak" });
  cleanups.push(() => database.close());
  // Seeded once here, so instances starting at the same moment do not race to do it.
  await seedDemo(database.db);

  // The instances reach PostgreSQL through the TCP fault proxy (resets, blackholes).
  const proxy = await startTcpFaultProxy({ host: postgres.host, port: postgres.port });
  cleanups.push(() => proxy.close());
  const viaProxy = new URL(postgres.url);
  viaProxy.port = String(proxy.port);

  const logDir = path.join(postgres.root, "logs");
  await fs.mkdir(logDir);
  const watcher = {
    started: (pid: number) => reaper.tell({ group: pid }),
    ended: (pid: number) => reaper.tell({ ungroup: pid }),
  };
  for (let i = 1; i <= options.instances; i++) {
    instances.push(
      new ServerInstance(
        `api-${i}`,
        // ONCELY_SOAK_RUN marks the run's processes (test/cleanup.test.ts looks for leftovers by it).
        { DATABASE_URL: viaProxy.toString(), DB_POOL_SIZE: "10", ONCELY_SOAK_RUN: postgres.root },
        logDir,
        watcher,
      ),
    );
  }
  cleanups.push(() => Promise.all(instances.map((instance) => instance.kill())));
  await Promise.all(instances.map((instance) => instance.start()));
  log(`instances up: ${instances.map((i) => `${i.name} ${i.origin} (pid ${i.pid})`).join(", ")}`);

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
  let dbFaults: DbFaultLoop | undefined;
  let probe: DbProbe | undefined;
  const names = instances.map((i) => i.name);
  if (options.dbFaults) {
    probe = startDbProbe({ instances, active: () => dbFaults?.active() ?? false });
    const records = probe.records;
    dbFaults = startDbFaultLoop({
      control: postgres.control,
      proxy,
      instances,
      durationMs: options.durationSeconds * 1000,
      blackholeMs: options.blackholeMs,
      recovered: (fault) => everyInstanceServes(fault, names, records),
      onEvent: (fault, what) =>
        log(`database ${fault.kind}: ${what}${fault.detail && what !== "started" ? ` (${fault.detail})` : ""}`),
    });
  }
  // An instance that crashed (exited without being killed) is a finding; it is started again
  // so the run goes on and the crash is reported rather than stalling what follows. A restart
  // under way is "starting", which restartIfCrashed leaves alone: no second one begins.
  const crashWatch = setInterval(() => {
    for (const instance of instances) {
      void instance
        .restartIfCrashed()
        .then((restarted) => restarted && log(`${instance.name} had crashed: started again`))
        .catch((error) => log(`${instance.name} had crashed and did not start again: ${String(error).slice(0, 200)}`));
    }
  }, 500);
  cleanups.push(async () => clearInterval(crashWatch));
  const chaos = startChaosLoop({
    instances,
    killEveryMs: options.killEveryMs,
    busyness: (instance) => (instance.origin ? balancer.inFlight(instance.origin) : 0),
    onEvent: (event) => log(`${event.what} ${event.instance}${event.detail ? `: ${event.detail}` : ""}`),
    paused: () => dbFaults?.active() ?? false,
  });
  await new Promise((resolve) => setTimeout(resolve, options.durationSeconds * 1000));
  if (dbFaults) {
    log("duration reached: the round of database faults under way finishes, with traffic");
    await dbFaults.stop();
  }

  log(`time is up after ${journal.records.length} operations: draining in-flight calls, restoring instances`);
  await Promise.all([fleet.stop(), chaos.stop(), probe?.stop()]);
  clearInterval(crashWatch);
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
    crashes: instances.flatMap((instance) => instance.crashes.map((crash) => ({ instance: instance.name, ...crash }))),
    freezes: chaos.freezes(),
    restarts: chaos.events.filter((e) => e.what === "restarted").length,
    invariantChecks: watch.checks() + 1,
    invariantChecksSkipped: watch.skipped(),
    invariantViolationsDuringRun: watch.violations,
    audit,
    database: dbFaults &&
      probe && {
        faults: dbFaults.faults,
        probeCalls: probe.records.length,
        analysis: analyseDbFaults(dbFaults.faults, probe.records, names),
        proxy: proxy.stats,
      },
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
  reaper.done();
}
log(ok ? "PASS" : "FAIL");
process.exit(ok ? 0 : 1);
