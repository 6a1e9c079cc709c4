/**
 * Benchmark scripts print their figures and keep one section each in docs/benchmarks.md,
 * between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`, so re-running one script
 * replaces only its own section.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./fixtures.js";

export function writeBenchmarkSection(name: string, markdown: string): void {
  const file = join(repoRoot, "docs", "benchmarks.md");
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  let doc = existsSync(file)
    ? readFileSync(file, "utf8")
    : "# Benchmarks\n\nFigures written by the benchmark scripts (`pnpm bench` in a package). Each section says the machine, the date and how to reproduce it.\n";
  const at = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (at >= 0 && to > at) {
    doc = doc.slice(0, at) + block + doc.slice(to + end.length);
  } else {
    doc = `${doc.trimEnd()}\n\n${block}\n`;
  }
  writeFileSync(file, doc);
}

/** Percentile of an unsorted sample (nearest-rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function machineLine(): string {
  return `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, 2-core test machine`;
}
