// `pnpm bench` (fairness part, issue 15): another principal's latency while 30 duplicates of one
// stalled key hammer the server, with the engine's waiters' bounds and without them. The first
// request holds its key (pg_sleep in its transaction); the duplicates resend as the SDK would
// (after Retry-After on a 409); bob reads his accounts one request at a time meanwhile.
// Bounded: each configuration runs one quiet phase and one storm of fixed length.
import { randomUUID } from "node:crypto";
import { startBenchDatabase } from "./environment";
import { describeRun, parseBenchOptions, writeResult } from "./results";
import type { FairnessPhase, FairnessResult } from "./resultTypes";
import { type ApiServer, startFairnessServer } from "./servers";
import { median, percentile } from "./stats";

const { options, line } = parseBenchOptions({
  duplicates: "30",
  "storm-seconds": "5",
  "quiet-reads": "300",
  "pool-size": "10",
});
const duplicates = Number(options.duplicates);
const stormSeconds = Number(options["storm-seconds"]);
const quietReads = Number(options["quiet-reads"]);

const database = await startBenchDatabase({ synchronous_commit: "off" });
try {
  const principals = Object.fromEntries(
    (await database.db.sql<{ name: string; id: string }[]>`SELECT name, id FROM principals`).map((p) => [p.name, p.id]),
  );
  const configs = {} as FairnessResult["configs"];
  for (const bound of ["on", "off"] as const) {
    const server = await startFairnessServer({
      DATABASE_URL: database.url,
      PRINCIPALS: JSON.stringify(principals),
      WAITERS_BOUND: bound,
      DB_POOL_SIZE: options["pool-size"],
    });
    try {
      configs[bound] = await measure(server);
    } finally {
      await server.stop();
    }
  }
  writeResult("fairness", describeRun(line, database.postgresVersion), {
    duplicates,
    stormSeconds,
    poolSize: Number(options["pool-size"]),
    configs,
  } satisfies FairnessResult);
} finally {
  await database.stop();
}

async function measure({ base }: ApiServer) {
  const read = async () => {
    const t0 = performance.now();
    const response = await fetch(`${base}/accounts`, { headers: { "x-principal": "bob" } });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`bob's read answered ${response.status}`);
    return performance.now() - t0;
  };
  const stall = (key: string, seconds: number) =>
    fetch(`${base}/stall`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-principal": "alice", "idempotency-key": key },
      body: JSON.stringify({ seconds }),
    });

  for (let i = 0; i < 50; i++) await read(); // warm up
  const quiet: number[] = [];
  for (let i = 0; i < quietReads; i++) quiet.push(await read());

  // The storm: alice's first request holds its key for longer than the storm lasts.
  const key = randomUUID();
  const first = stall(key, stormSeconds + 2);
  await new Promise((r) => setTimeout(r, 300));
  const stormEnds = performance.now() + stormSeconds * 1000;
  const answers = { conflict: 0, other: 0 };
  const duplicate = async () => {
    while (performance.now() < stormEnds) {
      const response = await stall(key, stormSeconds + 2);
      await response.arrayBuffer();
      if (response.status === 409) answers.conflict++;
      else answers.other++;
      const wait = Number(response.headers.get("retry-after") ?? 1) * 1000; // as the SDK does
      await new Promise((r) => setTimeout(r, Math.max(0, Math.min(wait, stormEnds - performance.now()))));
    }
  };
  const storm: number[] = [];
  const reading = (async () => {
    while (performance.now() < stormEnds) storm.push(await read());
  })();
  await Promise.all([reading, ...Array.from({ length: duplicates }, duplicate)]);
  await first;
  const phase = (ms: number[]): FairnessPhase => ({
    reads: ms.length,
    p50Ms: median(ms),
    p99Ms: percentile(ms, 99),
    maxMs: Math.max(...ms),
  });
  return { quiet: phase(quiet), storm: phase(storm), duplicateAnswers: answers };
}
