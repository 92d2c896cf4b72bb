import type { InvariantViolation } from "@oncely/api";
import type { AuditResult, Finding } from "./audit";
import type { DbFaultAnalysis } from "./dbFaultAnalysis";
import { DB_FAULT_CYCLE, type DbFault, MAX_RECOVERY_MS } from "./dbFaults";
import { PROBE_EVERY_MS } from "./dbProbe";
import type { BalancerStats } from "./faultyBalancer";
import { finalOutcome, KEYED_PROCEDURES, type KeyedPath, type OperationRecord } from "./journal";
import type { Machine } from "./machine";
import type { SoakOptions } from "./options";
import { SOAK_POSTGRES_SETTINGS, STATEMENT_TIMEOUT_MS } from "./postgres";
import type { TcpFaultProxyStats } from "./tcpFaultProxy";

/** Everything one run produced. */
export interface SoakRun {
  options: SoakOptions;
  startedAt: Date;
  /** Seconds of traffic under chaos, and of the whole run (setup and audit included). */
  chaosSeconds: number;
  totalSeconds: number;
  machine: Machine;
  records: OperationRecord[];
  /** Responses that reached a client, by status; attempts with no answer at all. */
  clientStatuses: Record<number, number>;
  clientNetworkFailures: number;
  balancer: BalancerStats;
  kills: number;
  /** API processes that exited without being killed (crashes), with their last output. */
  crashes: { instance: string; at: number; how: string; lastOutput: string }[];
  /** SIGSTOPs (stalls longer than the key-lock bound). */
  freezes: number;
  restarts: number;
  invariantChecks: number;
  /** Checks during the run that could not reach the database (a database fault). */
  invariantChecksSkipped: number;
  invariantViolationsDuringRun: InvariantViolation[];
  audit: AuditResult;
  /** The database faults, when they ran (`--no-db-faults` turns them off). */
  database?: {
    faults: DbFault[];
    probeCalls: number;
    analysis: DbFaultAnalysis;
    proxy: TcpFaultProxyStats;
  };
}

/** The invariants that say "the ledger balances" and "the money sum is constant". */
const LEDGER_BALANCED = new Set(["balance_equals_entries", "movement_balanced"]);
const MONEY_CONSTANT = new Set(["balances_sum_to_zero"]);

interface Check {
  name: string;
  value: number;
  passed: boolean;
  required: string;
}

/** The pass/fail checks of a run: correctness counts only, never speed. */
export function checksOf(run: SoakRun): Check[] {
  const zero = (name: string, value: number): Check => ({ name, value, passed: value === 0, required: "0" });
  const { audit } = run;
  const allViolations = [...audit.invariantViolations, ...run.invariantViolationsDuringRun];
  const violationsOf = (names: Set<string>) => allViolations.filter((v) => names.has(v.invariant)).length;
  const database = run.database;
  const faultKinds = new Set(database?.faults.map((f) => f.kind));
  return [
    zero("double effects", audit.doubleEffects.length),
    zero("lost acknowledged writes", audit.lostAcknowledgedWrites.length),
    zero("invariant violations at the end", audit.invariantViolations.length),
    zero(
      `invariant violations during the run (${run.invariantChecks} checks)`,
      run.invariantViolationsDuringRun.length,
    ),
    zero("answers that differ from the stored ones", audit.mismatchedAnswers.length),
    zero("unexpected refusals", audit.unexpectedRefusals.length),
    zero("operations unresolved after reconciliation", audit.unresolved.length),
    zero(
      "ledger unbalanced (a balance that is not its entries, a movement not summing to zero)",
      violationsOf(LEDGER_BALANCED),
    ),
    zero("money sum changed (balances per principal and currency not summing to zero)", violationsOf(MONEY_CONSTANT)),
    zero("idempotency keys stuck (not completed)", audit.stuckKeys.length),
    zero("HTTP 500 answers from the instances (every attempt)", serverErrors(run)),
    zero("API instances that crashed (exited without being killed)", run.crashes.length),
    // Not speed: a run in which nothing was killed or acknowledged proved nothing.
    { name: "instances killed", value: run.kills, passed: run.kills > 0, required: "≥ 1" },
    {
      name: "acknowledged writes verified",
      value: audit.counts.verified,
      passed: audit.counts.verified > 0,
      required: "≥ 1",
    },
    ...(database
      ? [
          zero(
            "answers while the database was away or coming back that were not a retryable 503 (a 500, a hang past the SDK's 10 s attempt timeout, no answer)",
            database.analysis.broken.length,
          ),
          zero(
            `instances not serving again within ${MAX_RECOVERY_MS / 1000} s of the database's return`,
            database.analysis.notRecovered.length,
          ),
          {
            name: "database faults (reset, kill -9, pg_ctl restart -m fast, blackhole)",
            value: database.faults.length,
            passed: DB_FAULT_CYCLE.every((kind) => faultKinds.has(kind)),
            required: "each kind",
          },
        ]
      : []),
  ];
}

/** 500s: what the instances answered (at the balancer) and what the database probe got. */
function serverErrors(run: SoakRun): number {
  const probe = run.database?.analysis.broken.filter((r) => r.status === 500).length ?? 0;
  return (run.balancer.statuses[500] ?? 0) + probe;
}

export const passed = (run: SoakRun) => checksOf(run).every((check) => check.passed);

function totals(run: SoakRun) {
  // Copies (double clicks) share their original's key: one logical operation, counted once.
  const logical = run.records.filter((r) => r.copyOf === undefined);
  const first = logical.map((r) => r.outcome);
  const reconciled = run.records.filter((r) => r.reconciled);
  return {
    operations: logical.length,
    copies: run.records.length - logical.length,
    attempts: run.records.reduce((sum, r) => sum + r.outcome.attempts, 0),
    unknown: first.filter((o) => o.kind === "unknown").length,
    clientReplays: run.records.filter((r) => r.outcome.kind === "succeeded" && r.outcome.replayed).length,
    retriedOperations: first.filter((o) => o.attempts > 1).length,
    reconciled: reconciled.length,
    reconciledReplayed: reconciled.filter((r) => r.reconciled?.kind === "succeeded" && r.reconciled.replayed).length,
    conflicts: run.balancer.statuses[409] ?? 0,
    conflictsSeenByClients: run.clientStatuses[409] ?? 0,
  };
}

const number = (n: number) => n.toLocaleString("en-US");

export function renderMarkdown(run: SoakRun): string {
  const t = totals(run);
  const b = run.balancer;
  const m = run.machine;
  const checks = checksOf(run);
  const ok = checks.every((c) => c.passed);
  const logical = run.records.filter((r) => r.copyOf === undefined);
  const byPath = (Object.keys(KEYED_PROCEDURES) as KeyedPath[]).map((path) => {
    const mine = logical.filter((r) => r.path === path);
    const count = (kind: string) => mine.filter((r) => r.outcome.kind === kind).length;
    const final = (kind: string) => mine.filter((r) => finalOutcome(r).kind === kind).length;
    return [
      `\`${path}\``,
      number(mine.length),
      number(count("succeeded")),
      number(count("refused")),
      number(count("unknown")),
      number(final("succeeded")),
      number(run.audit.counts.rows[KEYED_PROCEDURES[path]]),
    ];
  });
  const refusals = new Map<string, number>();
  for (const record of logical) {
    const outcome = finalOutcome(record);
    if (outcome.kind === "refused") {
      const code = outcome.serverCode ?? `HTTP ${outcome.httpStatus}`;
      refusals.set(code, (refusals.get(code) ?? 0) + 1);
    }
  }

  const db = run.database;
  return `# Soak: ${run.options.instances} API instances, one PostgreSQL, faults and SIGKILLs${db ? " of both" : ""}

**Result: ${ok ? "PASS" : "FAIL"}** — ${t.operations.toLocaleString("en-US")} operations in ${run.chaosSeconds} s of chaos,
${run.kills} instances SIGKILLed, ${b.droppedResponses} responses dropped after the server answered${
    db ? `, ${db.faults.length} database faults (${faultList(db.faults)})` : ""
  }:
**${run.audit.doubleEffects.length} double effects, ${run.audit.lostAcknowledgedWrites.length} lost acknowledged writes.**

- Command: \`${run.options.command}\`
- Date: ${run.startedAt.toISOString()}
- Machine: ${m.cpu}, ${m.cores} cores (shared; load ${m.loadAtStart} at start), ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}
- Commit: ${m.commit}
- Duration: ${run.chaosSeconds} s of traffic under chaos, ${run.totalSeconds} s in all (PostgreSQL, ${run.options.instances} instances, drain, reconciliation, audit)

## Checks

${table(
  ["check", "value", "required", "result"],
  ["left", "right", "left", "left"],
  checks.map((c) => [c.name, number(c.value), c.required, c.passed ? "pass" : "**FAIL**"]),
)}

## Traffic and faults

${table(
  ["what", "count"],
  ["left", "right"],
  [
    ["logical operations (one idempotency key each)", number(t.operations)],
    ["double-click copies (a second call with the same key, at the same moment)", number(t.copies)],
    ["HTTP attempts by the clients (copies included)", number(t.attempts)],
    ["operations that needed more than one attempt", number(t.retriedOperations)],
    ["replays: answers served from the key store (seen at the balancer)", number(b.replays)],
    ["replays that were a client's final answer", number(t.clientReplays)],
    [
      "replays counted by the servers (`replay_count`; counts batched in a killed process are lost)",
      number(run.audit.counts.serverReplays),
    ],
    [
      '409 "still in progress" answers (at the balancer / reaching clients)',
      `${number(t.conflicts)} / ${number(t.conflictsSeenByClients)}`,
    ],
    ["instances SIGKILLed (and restarted)", `${number(run.kills)} (${number(run.restarts)})`],
    ["instances frozen with SIGSTOP for 7–10 s, then thawed or SIGKILLed", number(run.freezes)],
    [
      "responses dropped after the server answered (of which successes)",
      `${number(b.droppedResponses)} (${number(b.droppedSuccesses)})`,
    ],
    ["connections reset before forwarding", number(b.resets)],
    [`requests or answers delayed (up to ${run.options.faults.maxDelayMs} ms)`, number(b.delayed)],
    ["502s: instance died mid-request or had just been killed", number(b.upstreamFailures)],
    ["503s with Retry-After reaching clients (database away, or its recovery)", number(run.clientStatuses[503] ?? 0)],
    ["requests through the balancer", number(b.requests)],
    ["client attempts with no HTTP answer", number(run.clientNetworkFailures)],
  ],
)}

## Operations

${table(
  [
    "procedure",
    "operations",
    "succeeded",
    "refused",
    "unknown at first",
    "succeeded in the end",
    "rows in the database",
  ],
  ["left", "right", "right", "right", "right", "right", "right"],
  byPath,
)}

"Unknown at first": the client got no final answer (its retries or its 30 s deadline ran out
while instances were dying). After the chaos each such call is sent again with the same key and
input (reconciliation). This run: ${t.reconciled} call(s); ${t.reconciledReplayed} answered from the
key store (they had run, once), the others ran for the first time. Rows equal the operations that
succeeded in the end: each ran exactly once.
Refusals (deterministic business outcomes, stored under their key): ${
    [...refusals].map(([code, n]) => `\`${code}\` ${n}`).join(", ") || "none"
  }.

## How it works

\`pnpm soak\` (soak/) starts an embedded PostgreSQL in a temporary directory, ${run.options.instances}
apps/server processes on it (\`node dist/bin/main.js\`, \`PORT=0\`, \`ONCELY_DEMO=1\`), and a
round-robin balancer on loopback that resets ${pct(run.options.faults.reset)} of connections before
forwarding, drops ${pct(run.options.faults.drop)} of answers after the server sent them, and delays
${pct(run.options.faults.delay)}. ${run.options.clients} \`@oncely/sdk\` clients (alice and bob) send
orders, payments of the shared unpaid orders, refunds (some asking for more than is left) and
transfers, one key per logical operation, retried by the SDK; ${pct(0.05)} are sent twice at once with
the same key. Every few seconds a random instance is SIGKILLed mid-traffic and restarted on a new port,
or (a quarter of the time) frozen with SIGSTOP for longer than the 5 s key-lock bound while its
transactions hold their locks, then thawed or SIGKILLed.
\`checkInvariants\` runs every 5 s during the run and once at the end. The audit then checks that every
answer a client got is the stored answer of its key and names a row that exists, belongs to the caller
and matches the request (lost acknowledged writes), and that every order, payment, refund and
transfer row is the stored answer of exactly one key, orders per key ≤ 1, payments per order ≤ 1,
refunds ≤ payment, no ledger movement lacks its operation, one outbox message per order and payment
(double effects). Any failed check makes \`pnpm soak\` exit non-zero.${
    run.database
      ? `
Between the instance faults, PostgreSQL itself is hit, in turn: every connection reset at the TCP
proxy between the instances and the database; the postmaster SIGKILLed (then started again: crash
recovery); \`pg_ctl restart -m fast\` with requests in flight; and a blackhole (no RST, nothing passes)
longer than the statement and lock timeouts, then healed (what was sent meanwhile arrives late).`
      : ""
  }
${databaseSection(run)}${findingsSection(run)}`;
}

const faultList = (faults: DbFault[]) => {
  const counts = new Map<string, number>();
  for (const fault of faults) counts.set(fault.kind, (counts.get(fault.kind) ?? 0) + 1);
  return [...counts].map(([kind, n]) => `${n} ${kind}`).join(", ");
};

const ms = (value: number | null | undefined) => (value === null || value === undefined ? "—" : number(value));

function databaseSection(run: SoakRun): string {
  const db = run.database;
  if (!db) return "";
  const { analysis } = db;
  const names = Object.keys(analysis.findings[0]?.recoveryMs ?? {});
  const at = (time: number) => ((time - run.startedAt.getTime()) / 1000).toFixed(1);
  const rows = analysis.findings.map(({ fault, whileAway, recoveryMs }, i) => [
    String(i + 1),
    fault.kind,
    at(fault.startedAt),
    ms(fault.backAt === undefined ? undefined : fault.backAt - fault.startedAt),
    `${whileAway.calls} / ${whileAway.retryable503} / ${whileAway.served} / ${whileAway.broken}`,
    ...names.map((name) => ms(recoveryMs[name])),
    fault.detail ?? "",
  ]);
  const { recovery } = analysis;
  return `
## Database faults

${table(
  [
    "#",
    "fault",
    "at (s)",
    "away (ms)",
    "probe calls while away: all / 503 + Retry-After / served / broken",
    ...names.map((name) => `${name} recovery (ms)`),
    "what happened",
  ],
  ["right", "left", "right", "right", "right", ...names.map((): "right" => "right"), "left"],
  rows,
)}

**Recovery after the database is back: p50 ${ms(recovery.p50)} ms, p99 ${ms(recovery.p99)} ms, max ${ms(recovery.max)} ms**
over ${recovery.samples} (fault, instance) pairs: from the moment PostgreSQL accepted connections again
(or the network healed, or the connections were reset) to the instance's first answer that needed the
database. Measured by a probe that, while a fault and its recovery last, sends each instance directly
(not through the balancer) one call at a time, a query, a mutation outside the engine and a keyed
mutation in turn (random ids: they write nothing), pausing ${PROBE_EVERY_MS} ms between calls (the resolution), with
the SDK's 10 s attempt timeout: ${number(db.probeCalls)} calls in all. "Away": from the fault to the
database being back; a call sent then must get a 503 with Retry-After (or, right after a reset, an answer).
The instance chaos waits while a database fault lasts, so each answer has one cause.

PostgreSQL runs durable (${Object.entries(SOAK_POSTGRES_SETTINGS)
    .filter(([name]) => ["fsync", "synchronous_commit", "full_page_writes"].includes(name))
    .map(([name, value]) => `\`${name}=${value}\``)
    .join(", ")}) with \`statement_timeout=${STATEMENT_TIMEOUT_MS / 1000}s\`;
the idempotency engine bounds a key-lock wait at 5 s, the API answers a call still running after 8 s
with 503 \`request_timeout\`, the SDK gives up on an attempt after 10 s, and a blackhole lasts
${run.options.blackholeMs / 1000} s, longer than all four.
The instances reach PostgreSQL through a TCP fault proxy: ${number(db.proxy.connections)} connections,
${number(db.proxy.reset)} reset, ${number(db.proxy.blackholed)} blackholed, ${number(db.proxy.refused)} refused while PostgreSQL was down.
Invariant checks during the run that could not reach the database: ${run.invariantChecksSkipped}.
`;
}

const pct = (share: number) => `${Math.round(share * 100)}%`;

/**
 * A Markdown table laid out the way the repository's formatter (Biome) lays it out, so the
 * generated SOAK.md passes `pnpm lint` as written: cells padded to the column's width,
 * right-aligned columns padded on the left. (Plain text only: no wide characters like emoji.)
 */
export function table(header: string[], align: ("left" | "right")[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const pad = (cell: string, i: number) =>
    align[i] === "right" ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0);
  const line = (cells: string[]) => `| ${cells.map(pad).join(" | ")} |`;
  const rule = widths.map((w, i) => (align[i] === "right" ? `${"-".repeat(w - 1)}:` : "-".repeat(w)));
  return [line(header), `| ${rule.join(" | ")} |`, ...rows.map(line)].join("\n");
}

function findingsSection(run: SoakRun): string {
  const lists: [string, (Finding | InvariantViolation)[]][] = [
    ["Double effects", run.audit.doubleEffects],
    ["Lost acknowledged writes", run.audit.lostAcknowledgedWrites],
    ["Invariant violations at the end", run.audit.invariantViolations],
    ["Invariant violations during the run", run.invariantViolationsDuringRun],
    ["Answers that differ from the stored ones", run.audit.mismatchedAnswers],
    ["Unexpected refusals", run.audit.unexpectedRefusals],
    ["Unresolved operations", run.audit.unresolved],
    ["Idempotency keys stuck", run.audit.stuckKeys],
    [
      "Probe answers that were not a retryable 503 or an answer from the database",
      (run.database?.analysis.broken ?? []).map((record) => ({
        detail: `${record.instance} ${record.path} sent at ${new Date(record.sentAt).toISOString()}: ${record.status} after ${record.endedAt - record.sentAt} ms (Retry-After ${record.retryAfter}, ${record.oncelyCode})`,
      })),
    ],
    [
      "API instances that crashed",
      run.crashes.map((crash) => ({
        detail: `${crash.instance} at ${new Date(crash.at).toISOString()} (${crash.how}), its last output:\n\n\`\`\`\n${crash.lastOutput.slice(-1_500)}\n\`\`\``,
      })),
    ],
    [
      "Instances that did not serve again after a database fault",
      (run.database?.analysis.notRecovered ?? []).map((detail) => ({ detail })),
    ],
  ];
  const failing = lists.filter(([, items]) => items.length > 0);
  if (failing.length === 0) return "";
  return `\n## Findings\n\n${failing
    .map(
      ([title, items]) =>
        `### ${title} (${items.length})\n\n${items
          .slice(0, 20)
          .map(
            (item) => `- ${"detail" in item && typeof item.detail === "string" ? item.detail : JSON.stringify(item)}`,
          )
          .join("\n")}${items.length > 20 ? `\n- … and ${items.length - 20} more` : ""}`,
    )
    .join("\n\n")}\n`;
}

/** The few lines printed at the end of a run. */
export function renderSummary(run: SoakRun): string {
  const t = totals(run);
  const b = run.balancer;
  const lines = [
    `operations ${t.operations} (attempts ${t.attempts}, replays ${b.replays}, 409s ${t.conflicts}), ` +
      `kills ${run.kills}, freezes ${run.freezes}, dropped responses ${b.droppedResponses}, resets ${b.resets}, 502s ${b.upstreamFailures}`,
    ...(run.database
      ? [
          `database faults: ${faultList(run.database.faults)}; recovery after the database is back: ` +
            `p50 ${ms(run.database.analysis.recovery.p50)} ms, p99 ${ms(run.database.analysis.recovery.p99)} ms, ` +
            `max ${ms(run.database.analysis.recovery.max)} ms (${run.database.analysis.recovery.samples} fault × instance)`,
        ]
      : []),
    ...checksOf(run).map((c) => `${c.passed ? "ok  " : "FAIL"} ${c.name}: ${c.value} (required ${c.required})`),
  ];
  return lines.join("\n");
}
