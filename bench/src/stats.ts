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

/** Median over rounds of CPU per request (ms): the server's and PostgreSQL's. */
export const medianCpu = (samples: RoundSample[]) => medianOf(samples, (s) => s.cpuPerRequest);
/** Median over rounds of the server's CPU per request (ms); PostgreSQL's is medianCpu's minus this. */
export const medianServerCpu = (samples: RoundSample[]) => medianOf(samples, (s) => s.serverCpuPerRequest);

/** `baseline`'s median CPU per request over `subject`'s: the throughput ratio CPU allows when CPU is the limit. */
export function cpuRatio(subject: RoundSample[], baseline: RoundSample[]): number {
  return medianCpu(baseline) / medianCpu(subject);
}
