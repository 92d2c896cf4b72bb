// `pnpm bench` (profile part): apps/server under load with `node --cpu-prof`, summarised: self
// time by package (tRPC, zod, drizzle, postgres.js, the engine, Node's internals, ...) and the
// functions with the most self time, counting only the samples taken while the load ran. Two
// server processes, one after the other: new keys, then replays (keys of orders that process
// made before its load). synchronous_commit off, so the server is busy rather than waiting on
// WAL flushes. Writes bench/results/profile.json (the raw .cpuprofiles stay in a temporary
// directory). apps/server runs from its bundle: functions are placed in their sources through
// its source maps.
import { existsSync, readFileSync } from "node:fs";
import fs from "node:fs/promises";
import { SourceMap } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { waitForOutbox } from "./databaseCounters";
import { type BenchDatabase, startBenchDatabase } from "./environment";
import { checkAnswered } from "./load";
import { loadOrders, makeKeys, orderRequest } from "./orderRequests";
import { describeRun, parseBenchOptions, REPO_ROOT, writeResult } from "./results";
import type { ProfileResult, ProfileSummary } from "./resultTypes";
import { startApiServer } from "./servers";

const { options, line } = parseBenchOptions({
  duration: "15",
  connections: "32",
  warmup: "3",
  top: "25",
  "replay-keys": "2000",
});
const POOL_SIZE = 10;

interface CallFrame {
  functionName: string;
  url: string;
  /** 0-based, in the file V8 ran. */
  lineNumber: number;
  columnNumber: number;
}

/** The part of a .cpuprofile this summary reads. */
interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame }[];
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

/** Self time (ms) per package and per function, of the samples inside `window`; idle time left out. */
function summarise(profile: CpuProfile, window: { from: number; to: number }, top: number) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, originalFrame(node.callFrame)]));
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
    const id = `${frame.functionName} ${frame.url}:${frame.lineNumber}:${frame.columnNumber}`;
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

function packageOf(frame: CallFrame): string {
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

const sourceMaps = new Map<string, SourceMap | null>();

/**
 * The frame in the source it was built from, when the file V8 ran has a source map beside it
 * (apps/server runs from a tsup bundle that holds the workspace packages): so the engine,
 * @oncely/api and @oncely/db are told apart, and their functions found in their .ts files.
 */
function originalFrame(frame: CallFrame): CallFrame {
  // Dependencies' own maps point at sources they do not ship: keep their built files.
  if (!frame.url.startsWith("file://") || frame.url.includes("/node_modules/")) return frame;
  const file = fileURLToPath(frame.url);
  let map = sourceMaps.get(file);
  if (map === undefined) {
    map = existsSync(`${file}.map`) ? new SourceMap(JSON.parse(readFileSync(`${file}.map`, "utf8"))) : null;
    sourceMaps.set(file, map);
  }
  const entry = map?.findEntry(frame.lineNumber, frame.columnNumber);
  if (!entry || !("originalSource" in entry)) return frame;
  const source = entry.originalSource.startsWith("file://")
    ? fileURLToPath(entry.originalSource)
    : path.resolve(path.dirname(file), entry.originalSource);
  return {
    ...frame,
    url: pathToFileURL(source).href,
    lineNumber: entry.originalLine,
    columnNumber: entry.originalColumn,
  };
}

/** Where a function is: its file (inside its package for dependencies) and line. */
function locationOf(frame: CallFrame): string {
  if (frame.url === "" || frame.url.startsWith("node:")) return frame.url;
  const file = frame.url.replace(/^file:\/\//, "");
  const modules = file.lastIndexOf("/node_modules/");
  const shown = modules >= 0 ? file.slice(modules + "/node_modules/".length) : path.relative(REPO_ROOT, file);
  return `${shown}:${frame.lineNumber + 1}`;
}

/** What one profiled server process is loaded with. */
type ProfiledLoad = keyof Omit<ProfileResult, "options">;

/**
 * Starts apps/server under `--cpu-prof` on `database`, loads it with new keys or replays (after a
 * warm-up of the same), stops it and summarises its profile over the load.
 */
async function profileLoad(database: BenchDatabase, kind: ProfiledLoad): Promise<ProfileSummary> {
  const profileDir = await fs.mkdtemp(path.join(os.tmpdir(), `oncely-profile-${kind}-`));
  try {
    const server = await startApiServer({
      databaseUrl: database.url,
      poolSize: POOL_SIZE,
      nodeArgs: ["--cpu-prof", "--cpu-prof-dir", profileDir],
    });
    const request = orderRequest(database);
    let window: { from: number; to: number };
    let result: Awaited<ReturnType<typeof loadOrders>>;
    try {
      const replayKeys =
        kind === "replays" ? await makeKeys(server, Number(options["replay-keys"]), request) : undefined;
      // Those orders' confirmations are delivered before the load, so the replays' profile holds none.
      await waitForOutbox(database.db.sql);
      const load = (seconds: number) =>
        loadOrders(server, request, { connections: Number(options.connections), seconds, replayKeys });
      await load(Number(options.warmup));
      const from = monotonicUs();
      result = await load(Number(options.duration));
      window = { from, to: monotonicUs() };
      // apps/server's shutdown drains the whole outbox first: let it catch up, so it exits in time.
      await waitForOutbox(database.db.sql);
    } finally {
      await server.stop(); // the profile is written as the process exits
    }
    checkAnswered(kind, result);
    const [file] = (await fs.readdir(profileDir)).filter((name) => name.endsWith(".cpuprofile"));
    if (!file) throw new Error(`apps/server wrote no profile into ${profileDir}`);
    const profile = JSON.parse(await fs.readFile(path.join(profileDir, file), "utf8")) as CpuProfile;
    return {
      requests: result["2xx"],
      requestsPerSecond: result.requests.average,
      ...summarise(profile, window, Number(options.top)),
    };
  } finally {
    await fs.rm(profileDir, { recursive: true, force: true });
  }
}

// The run, after the helpers above (they are constants a top-level await would reach first).
const db = await startBenchDatabase({ synchronous_commit: "off" });
try {
  const data: ProfileResult = {
    options,
    newKeys: await profileLoad(db, "newKeys"),
    replays: await profileLoad(db, "replays"),
  };
  writeResult("profile", describeRun(line, db.postgresVersion), data);
} finally {
  await db.stop();
}
