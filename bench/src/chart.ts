// Draws docs/benchmarks.svg from the latest results in bench/results/ (no dependencies: a
// few rectangles and labels).
import fs from "node:fs";
import path from "node:path";
import { type EngineResult, type KeyTableResult, readResult } from "./results";

const OUT = path.resolve(import.meta.dirname, "../../docs/benchmarks.svg");
const cpu = readResult<EngineResult>("engine-sync-off");
const durable = readResult<EngineResult>("engine-sync-on");
const keyTable = readResult<KeyTableResult>("key-table");

const W = 760;
const parts: string[] = [];
const text = (x: number, y: number, s: string, extra = "", size = 12) =>
  parts.push(`<text x="${x}" y="${y}" font-family="sans-serif" font-size="${size}" ${extra}>${s}</text>`);

// Left: throughput ratios with the 0.90 goal line.
text(20, 24, "Idempotent / plain throughput", 'font-weight="bold"');
const bars: [string, number | undefined][] = [
  ["orders, CPU-bound", cpu?.throughputRatio],
  ["orders, durable commits", durable?.throughputRatio],
  ["transfers, CPU-bound", cpu?.transferThroughputRatio],
  ["transfers, durable commits", durable?.transferThroughputRatio],
];
const barX = 200;
const barW = 160;
bars.forEach(([label, value], i) => {
  const y = 40 + i * 30;
  text(20, y + 15, label);
  parts.push(`<rect x="${barX}" y="${y}" width="${barW}" height="22" fill="#eee"/>`);
  if (value !== undefined) {
    parts.push(`<rect x="${barX}" y="${y}" width="${Math.min(1, value) * barW}" height="22" fill="#3b6fd8"/>`);
    text(barX + barW + 8, y + 15, value.toFixed(2));
  }
});
const goalX = barX + 0.9 * barW;
parts.push(
  `<line x1="${goalX}" y1="34" x2="${goalX}" y2="${40 + bars.length * 30}" stroke="#d33" stroke-dasharray="4 3"/>`,
);
text(goalX - 20, 172, "goal 0.90", 'fill="#d33"');

// Right: latency by key-table size.
const sizes = keyTable?.bySize ?? [];
const chartX = 440;
text(chartX, 24, "p50 latency by rows in oncely_idempotency_keys", 'font-weight="bold"');
const maxMs = Math.max(1, ...sizes.flatMap((s) => [s.create, s.replay]));
sizes.forEach((s, i) => {
  const x = chartX + 20 + i * 100;
  const h = (v: number) => (v / maxMs) * 90;
  parts.push(`<rect x="${x}" y="${130 - h(s.create)}" width="28" height="${h(s.create)}" fill="#3b6fd8"/>`);
  parts.push(`<rect x="${x + 32}" y="${130 - h(s.replay)}" width="28" height="${h(s.replay)}" fill="#8fb0ee"/>`);
  text(x, 148, s.rows >= 1e6 ? `${s.rows / 1e6}M` : `${s.rows / 1e3}k`);
  text(x, 125 - h(s.create), s.create.toFixed(1), "", 10);
});
text(chartX + 20, 168, "■ new key   ", 'fill="#3b6fd8"');
text(chartX + 110, 168, "■ replay (ms)", 'fill="#8fb0ee"');

const title =
  "Oncely benchmarks: idempotent / plain throughput (orders and transfers) against the 0.90 goal, and p50 latency by key-table size";
const svg = `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="title" width="${W}" height="180" viewBox="0 0 ${W} 180">
<title id="title">${title}</title>
<rect width="100%" height="100%" fill="white"/>
${parts.join("\n")}
</svg>
`;
fs.mkdirSync(path.dirname(OUT), { recursive: true });
fs.writeFileSync(OUT, svg);
process.stdout.write(`wrote ${path.relative(process.cwd(), OUT)}\n`);
