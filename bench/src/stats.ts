import type { RoundSample } from "./load";

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

/** Median over rounds of `subject`'s req/s over `baseline`'s in the same round. */
export function throughputRatio(subject: RoundSample[], baseline: RoundSample[]): number {
  return median(subject.map((s, i) => s.requestsPerSecond / (baseline[i]?.requestsPerSecond ?? Number.NaN)));
}

/** Median over rounds of a number each sample has. */
export function medianOf(samples: RoundSample[], of: (sample: RoundSample) => number): number {
  return median(samples.map(of));
}

/** `baseline`'s median CPU per request over `subject`'s: the throughput ratio CPU allows when CPU is the limit. */
export function cpuRatio(subject: RoundSample[], baseline: RoundSample[]): number {
  const cpu = (samples: RoundSample[]) => medianOf(samples, (s) => s.cpuPerRequest);
  return cpu(baseline) / cpu(subject);
}
