// docs/benchmarks.svg, drawn from the result files (no dependencies: rectangles and labels).
// Left: each of issue 14's goals, the measured value as a bar and the least it must be as a red
// tick. Right: p50 latency by key-table size.
import type { KeyTableResult } from "../resultTypes";
import type { Goal } from "./goals";

export function drawChart(goals: Goal[], keyTable: KeyTableResult | null): string {
  const parts: string[] = [];
  const text = (x: number, y: number, s: string, extra = "", size = 12) =>
    parts.push(`<text x="${x}" y="${y}" font-family="sans-serif" font-size="${size}" ${extra}>${s}</text>`);

  const barX = 330;
  const barW = 240;
  const rowH = 28;
  const measured = goals.filter((g) => Number.isFinite(g.value));
  const scale = Math.max(2.5, ...measured.map((g) => g.value), ...measured.map((g) => g.threshold));
  const x = (v: number) => barX + (Math.max(0, v) / scale) * barW;
  text(20, 24, "Issue 14 goals: measured (bar) and the least it must be (red)", 'font-weight="bold"');
  goals.forEach((goal, i) => {
    const y = 40 + i * rowH;
    text(20, y + 15, goal.short, "", 11);
    parts.push(`<rect x="${barX}" y="${y}" width="${barW}" height="20" fill="#eee"/>`);
    if (!Number.isFinite(goal.value)) {
      text(barX + 6, y + 15, "not measured", "", 11);
      return;
    }
    parts.push(
      `<rect x="${barX}" y="${y}" width="${x(goal.value) - barX}" height="20" fill="${goal.met ? "#3b8f4f" : "#3b6fd8"}"/>`,
    );
    parts.push(
      `<line x1="${x(goal.threshold)}" y1="${y - 3}" x2="${x(goal.threshold)}" y2="${y + 23}" stroke="#d33" stroke-width="2"/>`,
    );
    text(barX + barW + 8, y + 15, `${goal.value.toFixed(2)} (${goal.met ? "met" : "missed"})`, "", 11);
  });
  const goalsHeight = 40 + goals.length * rowH;

  const sizes = keyTable?.bySize ?? [];
  const chartX = 720;
  const base = 150;
  text(chartX, 24, "p50 latency by rows in oncely_idempotency_keys", 'font-weight="bold"');
  const maxMs = Math.max(1, ...sizes.flatMap((s) => [s.create, s.replay]));
  sizes.forEach((s, i) => {
    const left = chartX + 20 + i * 100;
    const h = (v: number) => (v / maxMs) * 100;
    parts.push(`<rect x="${left}" y="${base - h(s.create)}" width="28" height="${h(s.create)}" fill="#3b6fd8"/>`);
    parts.push(`<rect x="${left + 32}" y="${base - h(s.replay)}" width="28" height="${h(s.replay)}" fill="#8fb0ee"/>`);
    text(left, base + 18, s.rows >= 1e6 ? `${s.rows / 1e6}M` : `${s.rows / 1e3}k`);
    text(left, base - 5 - h(s.create), s.create.toFixed(1), "", 10);
  });
  text(chartX + 20, base + 40, "■ new key", 'fill="#3b6fd8"');
  text(chartX + 110, base + 40, "■ replay (ms)", 'fill="#8fb0ee"');

  const width = 1060;
  const height = Math.max(goalsHeight, base + 50) + 10;
  const title =
    "Oncely benchmarks: issue 14's goals (measured against the least each must be), and p50 latency by key-table size";
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="title" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<title id="title">${title}</title>
<rect width="100%" height="100%" fill="white"/>
${parts.join("\n")}
</svg>
`;
}
