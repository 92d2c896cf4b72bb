import type { RunInfo } from "../results";

/** A markdown table. */
export function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

export const fixed = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : "—");
export const ms = (n: number, digits = 3) => `${fixed(n, digits)} ms`;
export const whole = (n: number) => Math.round(n).toLocaleString("en-US");

/** The machine a run was on, in one line. */
export function machineOf(run: RunInfo): string {
  const m = run.machine;
  return [
    `${m.cpus} × ${m.cpuModel}`,
    `${m.memoryGiB} GiB RAM`,
    m.os,
    `Node ${m.node}`,
    ...(m.postgres ? [m.postgres] : []),
  ].join(", ");
}

/** Command, date, commit and machine of a run: the first lines of every section. */
export function provenance(run: RunInfo): string {
  const commit = `${run.commit.slice(0, 12)}${run.uncommittedChanges ? " with uncommitted changes" : ""}`;
  // Run alone, the command is the script's own line; from `pnpm bench`, the script's line says the options.
  const alone = run.command.endsWith(run.script.replace(/^bench\//, ""));
  const command = alone ? `\`${run.command}\`` : `\`${run.command}\` (\`${run.script}\`)`;
  return [
    `Command: ${command}`,
    `Date: ${run.date.slice(0, 16).replace("T", " ")} UTC. Commit: ${commit}. Load average at the end: ${fixed(run.machine.loadAverage)}.`,
    `Machine: ${machineOf(run)}.`,
  ].join("\n");
}

/** Says a result file is missing, and how to make it. */
export function missing(file: string, command: string): string {
  return `_Not measured yet: bench/results/${file}.json is missing (\`${command}\`)._`;
}
