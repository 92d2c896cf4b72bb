// What the SDK costs per call when nothing fails: the Oncely client against a bare tRPC client
// with the same transport links (httpLink for mutations, httpBatchLink for queries), on the
// same in-process tRPC server over loopback. The server does no work, so the ratio shows the
// client's own overhead at its harshest (against the real server and PostgreSQL, a call takes
// milliseconds and the difference vanishes in the noise).
//
//   pnpm --filter @oncely/sdk bench    (builds dist, then runs this) [-- --calls 300 --rounds 12]
//
// Prints a markdown table. No timing is asserted anywhere: this is a measurement, run by hand.
import os from "node:os";
import { parseArgs } from "node:util";
import { createTRPCClient, httpBatchLink, httpLink, splitLink } from "@trpc/client";
import { initTRPC } from "@trpc/server";
import { createHTTPServer } from "@trpc/server/adapters/standalone";

// The published build, not the source: what users run (tsx would also add its own per-closure
// naming helper to the source and slow it down). The `bench` script builds first.
const DIST = "../dist/index.js";
const { createOncelyClient } = (await import(DIST)) as typeof import("../src");

const GOAL_RATIO = 1.05;

const { values } = parseArgs({
  options: {
    calls: { type: "string", default: "300" },
    rounds: { type: "string", default: "15" },
    warmup: { type: "string", default: "500" },
  },
});
const CALLS = Number(values.calls);
const ROUNDS = Number(values.rounds);
const WARMUP = Number(values.warmup);

const t = initTRPC.create();
const router = t.router({
  pay: t.procedure.input((value) => value as { amount: number }).mutation(({ input }) => ({ paid: input.amount })),
  ping: t.procedure.query(() => "pong"),
});
type BenchRouter = typeof router;

const server = createHTTPServer({ router });
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const address = server.address();
if (address === null || typeof address === "string") throw new Error("no port");
const url = `http://127.0.0.1:${address.port}`;

const bareClient = () =>
  createTRPCClient<BenchRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "mutation",
        true: httpLink({ url }),
        false: httpBatchLink({ url }),
      }),
    ],
  });
type Client = ReturnType<typeof bareClient>;
const bare = bareClient();
const oncely = createOncelyClient<BenchRouter>({ url }) as Client;

const mutate = (client: Client, i: number) => client.pay.mutate({ amount: i });
const query = (client: Client) => client.ping.query();
const comparisons: { name: string; subject: Client; call: (client: Client, i: number) => Promise<unknown> }[] = [
  { name: "mutation (key + retry link + httpLink)", subject: oncely, call: mutate },
  { name: "query (retry link, retries off + httpBatchLink)", subject: oncely, call: query },
  // A/A control: a second bare client in the Oncely column shows the ratio noise alone makes.
  { name: "control: mutation, bare vs another bare client", subject: bareClient(), call: mutate },
];

/**
 * One round: `calls` calls per client, interleaved one by one (which goes first alternates),
 * so load from anything else on the machine hits both clients alike. Mean µs per call each.
 */
async function round(subject: Client, call: (client: Client, i: number) => Promise<unknown>, calls: number) {
  let bareTotal = 0;
  let subjectTotal = 0;
  for (let i = 0; i < calls; i++) {
    for (const client of i % 2 ? [subject, bare] : [bare, subject]) {
      const start = performance.now();
      await call(client, i);
      const elapsed = performance.now() - start;
      if (client === bare) bareTotal += elapsed;
      else subjectTotal += elapsed;
    }
  }
  return { bare: (bareTotal * 1000) / calls, subject: (subjectTotal * 1000) / calls };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

const load = os.loadavg()[0] ?? 0;
const rows: string[] = [];
for (const { name, subject, call } of comparisons) {
  await round(subject, call, WARMUP);
  const rounds = [];
  for (let i = 0; i < ROUNDS; i++) rounds.push(await round(subject, call, CALLS));
  const ratios = rounds.map((r) => r.subject / r.bare);
  const ratio = median(ratios);
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const bareMean = mean(rounds.map((r) => r.bare));
  const subjectMean = mean(rounds.map((r) => r.subject));
  rows.push(
    `| ${name} | ${bareMean.toFixed(0)} | ${subjectMean.toFixed(0)} | ${(subjectMean / bareMean).toFixed(3)} | ` +
      `**${ratio.toFixed(3)}** | ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)} | ${ratio <= GOAL_RATIO ? "yes" : "no"} |`,
  );
}
server.close();

const cpus = os.cpus();
console.log(`## SDK call overhead (issue 5)

Command: \`pnpm --filter @oncely/sdk bench\` (${ROUNDS} rounds × ${CALLS} calls per client, interleaved one by one; ${WARMUP} warm-up calls)
Date: ${new Date().toISOString().slice(0, 10)}. Machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? "unknown CPU"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}.
Load average at start: ${load.toFixed(2)} (the machine is shared: compare with the control row).
Same process: a tRPC standalone server with a no-op router on 127.0.0.1, a bare tRPC client (httpLink / httpBatchLink)
and the Oncely client (idempotency key + retry link + the same transport), no faults.
µs/call: mean over all rounds. Median ratio: the middle of the per-round ratios (robust to a round that
met a load spike; the goal is judged on it); range: the lowest and highest round.

| call | bare tRPC µs/call | Oncely SDK µs/call | ratio of means | median ratio | range | ≤ ${GOAL_RATIO}? |
| --- | --- | --- | --- | --- | --- | --- |
${rows.join("\n")}`);
