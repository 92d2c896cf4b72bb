// `pnpm bench` (profile part): apps/server under load with `node --cpu-prof`, summarised: self
// time by package (tRPC, zod, drizzle, postgres.js, the engine, Node's internals, ...) and the
// functions with the most self time, counting only the samples taken while the load ran.
// synchronous_commit off, so the server is busy rather than waiting on WAL flushes. Writes
// bench/results/profile.json (the raw .cpuprofile stays in a temporary directory).
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { waitForOutbox } from "./databaseCounters";
import { startBenchDatabase } from "./environment";
import { loadWithKeys } from "./load";
import { describeRun, parseBenchOptions, REPO_ROOT, writeResult } from "./results";
import type { ProfileResult } from "./resultTypes";
import { startApiServer } from "./servers";

const { options, line } = parseBenchOptions({ duration: "15", connections: "32", warmup: "3", top: "25" });
const POOL_SIZE = 10;

/** The part of a .cpuprofile this summary reads. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const PACKAGE_NAMES: Record<string, string> = {
  "@trpc/server": "tRPC",
  zod: "zod",
  "drizzle-orm": "drizzle",
  postgres: "postgres.js",
};
const WORKSPACE_NAMES: [string, string][] = [
  ["packages/idempotency/", "the engine (@oncely/idempotency)"],
  ["packages/api/", "@oncely/api"],
  ["packages/db/", "@oncely/db"],
  ["apps/server/", "apps/server"],
];

/** Microseconds on the monotonic clock V8 stamps profile samples with (CLOCK_MONOTONIC on Linux, like this process's hrtime). */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

const db = await startBenchDatabase({ synchronous_commit: "off" });
const profileDir = await fs.mkdtemp(path.join(os.tmpdir(), "oncely-profile-"));
try {
  const server = await startApiServer({
    databaseUrl: db.url,
    poolSize: POOL_SIZE,
    nodeArgs: ["--cpu-prof", "--cpu-prof-dir", profileDir],
  });
  const load = (seconds: number) =>
    loadWithKeys({
      url: `${server.base}/orders.create`,
      body: JSON.stringify({ accountId: db.accountId, amount: 1999, currency: "USD" }),
      headers: { authorization: `Bearer ${db.apiKey}` },
      connections: Number(options.connections),
      seconds,
    });
  let window: { from: number; to: number };
  let result: Awaited<ReturnType<typeof load>>;
  try {
    await load(Number(options.warmup));
    const from = monotonicUs();
    result = await load(Number(options.duration));
    window = { from, to: monotonicUs() };
    // apps/server's shutdown drains the whole outbox first: let it catch up, so it exits in time.
    await waitForOutbox(db.db.sql);
  } finally {
    await server.stop(); // the profile is written as the process exits
  }
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${result.non2xx} non-2xx answers, ${result.errors} errors`);
  const [file] = (await fs.readdir(profileDir)).filter((name) => name.endsWith(".cpuprofile"));
  if (!file) throw new Error(`apps/server wrote no profile into ${profileDir}`);
  const profile = JSON.parse(await fs.readFile(path.join(profileDir, file), "utf8")) as CpuProfile;
  const summary = summarise(profile, window, Number(options.top));
  const data: ProfileResult = {
    options,
    requests: result["2xx"],
    requestsPerSecond: result.requests.average,
    ...summary,
  };
  writeResult("profile", describeRun(line, db.postgresVersion), data);
} finally {
  await db.stop();
  await fs.rm(profileDir, { recursive: true, force: true });
}

/** Self time (ms) per package and per function, of the samples inside `window`; idle time left out. */
function summarise(profile: CpuProfile, window: { from: number; to: number }, top: number) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, { functionName: string; package: string; location: string; selfMs: number }>();
  let time = profile.startTime;
  let sampledMs = 0;
  profile.samples.forEach((nodeId, i) => {
    time += profile.timeDeltas[i] ?? 0;
    // A sample stands for the time until the next one.
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const frame = nodes.get(nodeId);
    if (!frame || time < window.from || time > window.to || frame.functionName === "(idle)") return;
    const name = packageOf(frame);
    sampledMs += ms;
    byPackage.set(name, (byPackage.get(name) ?? 0) + ms);
    const location = locationOf(frame);
    const id = `${frame.functionName} ${frame.url}:${frame.lineNumber}`;
    const entry = byFunction.get(id) ?? {
      functionName: frame.functionName || "(anonymous)",
      package: name,
      location,
      selfMs: 0,
    };
    entry.selfMs += ms;
    byFunction.set(id, entry);
  });
  if (sampledMs === 0) throw new Error("no profile samples fell inside the load: are the clocks comparable?");
  return {
    sampledMs,
    byPackage: [...byPackage].map(([name, selfMs]) => ({ name, selfMs })).sort((a, b) => b.selfMs - a.selfMs),
    top: [...byFunction.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, top),
  };
}

function packageOf(frame: { functionName: string; url: string }): string {
  const { url, functionName } = frame;
  if (url === "") {
    if (functionName === "(garbage collector)") return "garbage collection";
    if (functionName === "(program)") return "native code outside JavaScript (program)";
    return "native functions (V8 built-ins, Node bindings: socket writes, JSON)";
  }
  if (url.startsWith("node:")) return "Node internals";
  const modules = url.lastIndexOf("/node_modules/");
  if (modules >= 0) {
    const [scope, name] = url.slice(modules + "/node_modules/".length).split("/");
    const pkg = scope?.startsWith("@") ? `${scope}/${name}` : (scope ?? url);
    return PACKAGE_NAMES[pkg] ?? pkg;
  }
  return WORKSPACE_NAMES.find(([dir]) => url.includes(`/${dir}`))?.[1] ?? "other";
}

/**
 * Where a function is: its file (inside its package for dependencies) and line. TypeScript that
 * tsx compiled on the fly has no line (the profile's lines are the compiled code's).
 */
function locationOf(frame: { url: string; lineNumber: number }): string {
  if (frame.url === "" || frame.url.startsWith("node:")) return frame.url;
  const file = frame.url.replace(/^file:\/\//, "");
  const modules = file.lastIndexOf("/node_modules/");
  const shown = modules >= 0 ? file.slice(modules + "/node_modules/".length) : path.relative(REPO_ROOT, file);
  return /\.[cm]?ts$/.test(shown) ? shown : `${shown}:${frame.lineNumber + 1}`;
}
