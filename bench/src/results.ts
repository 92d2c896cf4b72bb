import fs from "node:fs";
import path from "node:path";

const FILE = path.resolve(import.meta.dirname, "../../BENCHMARKS.md");

/**
 * Replaces one benchmark's section of BENCHMARKS.md (between its markers), keeping the
 * other benchmarks' latest results.
 */
export function writeSection(name: string, markdown: string): void {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const current = fs.existsSync(FILE) ? fs.readFileSync(FILE, "utf8") : "# Benchmarks\n";
  const pattern = new RegExp(`${start}[\\s\\S]*?${end}`);
  const next = pattern.test(current) ? current.replace(pattern, block) : `${current.trimEnd()}\n\n${block}\n`;
  fs.writeFileSync(FILE, next);
}
