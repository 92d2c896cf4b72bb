// `pnpm --filter @oncely/bench report` (also the last step of `pnpm bench`): writes
// BENCHMARKS.md, docs/benchmarks.svg and the profile section of bench/README.md from the
// measurements in bench/results/*.json. Every number in them comes from those files.
import fs from "node:fs";
import path from "node:path";
import type { RoundSample } from "./load";
import { drawChart } from "./report/chart";
import { engineSection, keyTableSection, sdkSection, statementsSection } from "./report/engineSections";
import { fairnessSection } from "./report/fairnessSection";
import { judgeGoals, verdict } from "./report/goals";
import {
  breakdownSection,
  breakdownTable,
  counterPerRequest,
  equalWorkLine,
  handRolledSection,
  outboxWorkerLine,
} from "./report/handRolledSections";
import { REGIME_NAMES, REGIMES, type Regime, readResults } from "./report/inputs";
import { fixed, machineOf, ms, table } from "./report/markdown";
import { profileSection } from "./report/profileSection";
import { stockDriverSection, tryClaimSection } from "./report/stockDriverSection";
import { whyMissed } from "./report/whyMissed";
import { type Measured, REPO_ROOT } from "./results";
import type { EngineVariant, HandRolledVariant, ProfileSummary } from "./resultTypes";
import { cpuRatio, medianCpu, medianServerCpu, throughputRatio } from "./stats";

const results = readResults();
const goals = judgeGoals(results);

function summary(): string {
  const runs = [
    ...REGIME_NAMES.flatMap((r) => [results.handRolled[r], results.engine[r]]),
    results.breakdown,
    results.statements,
    results.keyTable,
    results.profile,
    results.sdk,
    results.fairness,
  ].flatMap((r) => (r ? [r.run] : []));
  const dates = runs.map((r) => r.date).sort();
  const commits = [...new Set(runs.map((r) => `${r.commit.slice(0, 12)}${r.uncommittedChanges ? "+" : ""}`))];
  const loads = runs.map((r) => r.machine.loadAverage);
  const first = runs[0];
  return `## Summary: issue 14's goals

${
  first
    ? `Measured ${dates[0]?.slice(0, 10)} to ${dates.at(-1)?.slice(0, 10)} on commit${commits.length > 1 ? "s" : ""} ${commits.join(", ")}${commits.some((c) => c.endsWith("+")) ? ' ("+": with uncommitted changes)' : ""}, ${machineOf(first)}. Load average when each part ended: ${fixed(Math.min(...loads))} to ${fixed(Math.max(...loads))} (other work shares the machine).`
    : "Nothing measured yet: run `pnpm bench`."
}

${table(
  ["goal", "measured", "target", "result", "judged on"],
  goals.map((g) => [g.goal, g.measured, g.target, verdict(g.met), g.judgedBy]),
)}

${equalWorkLine(results.handRolled)}

### Why each goal is missed (CPU-bound runs)

${whyMissed(results)}

### Every ratio, both regimes

${ratioTable()}

### Where the cost goes

${costLines()}`;
}

/** Every ratio issue 14 asks for, by req/s and by CPU per request, CPU-bound and durable. */
function ratioTable(): string {
  type Pair = [RoundSample[], RoundSample[]] | null;
  /** Two variants' samples from one result file, or null when it is missing. */
  const pair = <V extends string>(r: Measured<{ samples: Record<V, RoundSample[]> }>, a: V, b: V): Pair =>
    r ? [r.samples[a], r.samples[b]] : null;
  const hand = (r: Regime, a: HandRolledVariant, b: HandRolledVariant) => pair(results.handRolled[r], a, b);
  const engine = (r: Regime, a: EngineVariant, b: EngineVariant) => pair(results.engine[r], a, b);
  const rows: [string, (regime: Regime) => Pair][] = [
    ["Oncely / hand-rolled, new keys", (r) => hand(r, "oncelyNew", "handRolledNew")],
    [
      "Oncely / hand-rolled, new keys, outbox delivered by another process",
      (r) => hand(r, "oncelyNewWorkerElsewhere", "handRolledNew"),
    ],
    ["Oncely / hand-rolled, replays", (r) => hand(r, "oncelyReplay", "handRolledReplay")],
    ["order: engine / plain", (r) => engine(r, "idempotent", "plain")],
    ["order: engine / floor", (r) => engine(r, "idempotent", "orderFloor")],
    ["order: floor / plain", (r) => engine(r, "orderFloor", "plain")],
    ["transfer: engine / plain", (r) => engine(r, "transferIdempotent", "transferPlain")],
    ["transfer: engine / floor", (r) => engine(r, "transferIdempotent", "transferFloor")],
    ["transfer: floor / plain", (r) => engine(r, "transferFloor", "transferPlain")],
  ];
  const cell = (pair: Pair) =>
    pair ? `${fixed(throughputRatio(pair[0], pair[1]))} (CPU ${fixed(cpuRatio(pair[0], pair[1]))})` : "not measured";
  return `${table(
    ["ratio: req/s (CPU per request allows)", ...Object.values(REGIMES)],
    rows.map(([name, pair]) => [name, ...REGIME_NAMES.map((r) => cell(pair(r)))]),
  )}

Oncely / hand-rolled: bench/src/handRolled.ts (apps/server against the hand-rolled server; "outbox
delivered by another process": apps/server without its in-process outbox worker, so that, like the
hand-rolled server, it leaves each confirmation to be delivered elsewhere). Engine,
floor and plain: bench/src/engine.ts (the same handlers in bench/src/benchServer.ts). Medians over
rounds of within-round ratios; "CPU" is the ratio of median CPU per request, inverted (higher is better).`;
}

/** The CPU split and the counted breakdown, Oncely's new-key order against the hand-rolled one. */
function costLines(): string {
  const lines: string[] = [];
  for (const regime of REGIME_NAMES) {
    const r = results.handRolled[regime];
    if (!r) continue;
    const cpu = (v: keyof typeof r.samples) => {
      const all = medianCpu(r.samples[v]);
      const server = medianServerCpu(r.samples[v]);
      const ids = counterPerRequest(r.samples[v], "transactionIds");
      return `${ms(all)} (server ${ms(server)}, PostgreSQL ${ms(all - server)}; ${fixed(ids)} transaction ids)`;
    };
    lines.push(
      `- ${REGIMES[regime]}, CPU per request: new key, Oncely ${cpu("oncelyNew")}, hand-rolled ${cpu("handRolledNew")}; replay, Oncely ${cpu("oncelyReplay")}, hand-rolled ${cpu("handRolledReplay")}. ${outboxWorkerLine(r.samples).replaceAll("\n", " ")}`,
    );
  }
  const s = results.statements;
  if (s) {
    const cpu = (v: keyof typeof s.samples) => medianCpu(s.samples[v]);
    lines.push(
      `- The engine against its floor (order, CPU-bound, CPU per request): plain handler ${ms(cpu("plain"))}, plus only the key row with its answer ${ms(cpu("orderFloor"))}, plus the middleware's statements without it ${ms(cpu("statementsAll"))}, the idempotent procedure ${ms(cpu("idempotent"))}.`,
    );
  }
  const p = results.profile;
  if (p) {
    const top = (summary: ProfileSummary) =>
      summary.byPackage
        .slice(0, 6)
        .map((x) => `${x.name} ${fixed((100 * x.selfMs) / summary.sampledMs, 0)}%`)
        .join(", ");
    lines.push(
      `- apps/server's CPU profile under load, self time by package (bench/README.md): new keys, ${top(p.newKeys)}; replays, ${top(p.replays)}.`,
    );
  }
  const b = results.breakdown;
  const counted = b
    ? `\n\nCounted one request at a time (section "Where a keyed order's cost goes, counted"):\n\n${breakdownTable(b)}`
    : "";
  return `${lines.join("\n")}${counted}`;
}

/** Issue 14's design space: what was done or not, and which table above measures it (no numbers typed here). */
const designSpace = `## Design space (issue 14): what was tried, and where it is measured

- **A claim that writes nothing until COMMIT** (adopted): duplicates wait on the key's advisory
  lock (bounded by \`lock_timeout\` inside the statement); the key row is INSERTed once, with its
  answer, with COMMIT. Before, the claim INSERTed the row and an UPDATE stored the answer: two
  versions of the row per request. Cost of each part: "Where the engine's cost goes" (claim, the
  row, all statements); the claim still costs one awaited round trip that the floor does not:
  drizzle's public \`db.transaction()\` sends BEGIN alone, so the claim cannot share its write.
- **The claim in one statement** (adopted): \`pg_try_advisory_xact_lock\` and the key's row in
  one prepared statement; only when someone holds the key does the claim wait for the lock
  (bounded) and read the row again, behind it. A holder that commits between the read and the
  lock is caught by the unique key row at COMMIT (a test writes such a row while the handler
  runs: the request's writes roll back and it replays that row). Before and after:
  "The claim in one statement, before and after".
- **Prepared statements for the hot queries** (adopted, engine and \`orders.create\`): drizzle's
  \`execute(sql)\` is unprepared, so postgres.js has every parameterized statement described first.
  The driver table of "Where the engine's cost goes" sends the same claim prepared, unprepared and
  with its values written in.
  postgres.js keeps prepared statements per connection and only fixed-shape queries are prepared,
  so the set stays bounded (and is dropped when a connection is recycled, \`max_lifetime\`).
- **No SAVEPOINT on the happy path** (measured, not adopted): its cost alone is the SAVEPOINT row
  of the statement table. Without it a business error must roll back and be stored in a second
  transaction, and a duplicate waiting on the key runs the handler in between: against
  "concurrent duplicates never both execute". A test pins that the waiting duplicate replays the
  stored error instead.
- **The outbox worker batched** (adopted): one transaction delivers up to 20 messages; its CPU per
  delivered message is in "Where the cost goes". LISTEN/NOTIFY was not needed for the cost: the
  worker polls once a second and drains in batches.
- **What the CPU profile pointed at** (bench/README.md): a \`new Intl.NumberFormat\` per outbox
  message and AsyncLocalStorage's promise hooks for the request log were removed; the engine's
  statements now build their constant parts once. drizzle's query building (its \`is()\`
  checks) and tRPC's standalone adapter (a Fetch \`Request\` and an \`AbortSignal\` per
  request) remain the largest shares. drizzle builds each statement again in every transaction,
  prepared or not: a prepared query is bound to the session it was made on, and reusing one
  across transactions is not in its public API (drizzle-team/drizzle-orm#2826), which the
  engine keeps to.
- **The stock driver** (issue 13): "The hot path before and after the move to the stock driver".`;

// Written into BENCHMARKS.md and, at the end of `pnpm bench`, on the terminal.
const summaryText = summary();

const benchmarks = `# Benchmarks

Generated by \`pnpm --filter @oncely/bench report\` from the measurements in
[bench/results/](bench/results/), which \`pnpm bench\` writes (bench/README.md says what each part
measures and how to run one alone). Do not edit: every number here comes from those files. Loopback
only, PostgreSQL embedded; ratios are taken within one run (variants in alternating rounds), because
the machine is shared and noisy. No test asserts a time.

![Issue 14's goals, measured, and p50 latency by key-table size](docs/benchmarks.svg)

${[
  summaryText,
  designSpace,
  ...REGIME_NAMES.map((r) => handRolledSection(r, results.handRolled[r])),
  breakdownSection(results.breakdown),
  ...REGIME_NAMES.map((r) => engineSection(r, results.engine[r])),
  statementsSection(results.statements),
  keyTableSection(results.keyTable),
  fairnessSection(results.fairness),
  tryClaimSection(results.tryClaim),
  stockDriverSection(results.stockDriver),
  sdkSection(results.sdk),
].join("\n\n")}

The CPU profile of apps/server under load is in [bench/README.md](bench/README.md#where-appsservers-cpu-goes-cpu-profile-under-load).
`;

write("BENCHMARKS.md", benchmarks);
// `pnpm bench` ends with the goals and every ratio on the terminal.
process.stdout.write(`\n${summaryText}\n`);
write("docs/benchmarks.svg", drawChart(goals, results.keyTable));
replaceSection("bench/README.md", "profile", profileSection(results.profile));

function write(file: string, content: string) {
  const target = path.join(REPO_ROOT, file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, content);
  process.stderr.write(`wrote ${file}\n`);
}

/** Replaces the generated part of a hand-written file, between its markers. */
function replaceSection(file: string, name: string, markdown: string) {
  const start = `<!-- ${name}:start (generated by pnpm --filter @oncely/bench report) -->`;
  const end = `<!-- ${name}:end -->`;
  const current = fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
  const pattern = new RegExp(`<!-- ${name}:start[^>]*-->[\\s\\S]*?${end}`);
  const block = `${start}\n${markdown.trim()}\n${end}`;
  write(file, pattern.test(current) ? current.replace(pattern, block) : `${current.trimEnd()}\n\n${block}\n`);
}
