/**
 * What installing and importing the packages costs a user: the packed tarball of every package (gzip
 * size, unpacked size, files), and the import cost of `@ehr-sync/ehrbase-client` and of core's mapping
 * without the template — minified + gzipped bundle (esbuild, tree-shaken, as an app bundler would) and
 * the time a fresh Node process takes to import the built entry (median of 15). Target (issue 15):
 * core's tarball ≤ 150 KB, or the template in an entry the client-facing import does not load.
 * Run after a build: pnpm --filter @ehr-sync/core bench:sizes
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { machineLine, repoRoot, writeBenchmarkSection } from "@ehr-sync/testkit";
import { build } from "esbuild";

const PACKAGES = ["core", "ehrbase-client", "adapter-node", "adapter-supabase"];
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const dist = (pkg: string, file: string) => join(repoRoot, "packages", pkg, "dist", file);

function packed(pkg: string, into: string): { tarball: number; unpacked: number; files: number } {
  execFileSync("pnpm", ["pack", "--pack-destination", into], {
    cwd: join(repoRoot, "packages", pkg),
    stdio: "ignore",
  });
  const tarball = readdirSync(into).find((f) => f.startsWith(`ehr-sync-${pkg}-`) && f.endsWith(".tgz"));
  if (!tarball) throw new Error(`pnpm pack produced no tarball for ${pkg}`);
  const path = join(into, tarball);
  // `tar tzvf` lines: mode owner size date time name
  const listing = execFileSync("tar", ["tzvf", path], { encoding: "utf8" }).trim().split("\n");
  const unpacked = listing.reduce((sum, line) => sum + Number(line.trim().split(/\s+/)[2]), 0);
  return { tarball: statSync(path).size, unpacked, files: listing.length };
}

async function bundled(label: string, source: string): Promise<{ label: string; min: number; gz: number }> {
  const result = await build({
    stdin: { contents: source, resolveDir: repoRoot, loader: "js" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "neutral",
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles[0]!.contents;
  return { label, min: code.byteLength, gz: gzipSync(code).byteLength };
}

function importMs(file: string): number {
  const samples: number[] = [];
  for (let i = 0; i < 15; i++) {
    const script = `const t = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t);`;
    samples.push(
      Number(execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" })),
    );
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

const dir = mkdtempSync(join(tmpdir(), "ehr-sync-sizes-"));
try {
  const packs = PACKAGES.map((pkg) => ({ pkg, ...packed(pkg, dir) }));
  const client = dist("ehrbase-client", "index.js");
  const core = dist("core", "index.js");
  const template = dist("core", "template.js");
  const imports = [
    {
      ...(await bundled(
        "`@ehr-sync/ehrbase-client` (whole client)",
        `export * from ${JSON.stringify(client)};`,
      )),
      file: client,
    },
    {
      ...(await bundled(
        "`@ehr-sync/core`: `prepareSoapComposition` (mapping + validation, no template)",
        `export { prepareSoapComposition } from ${JSON.stringify(core)};`,
      )),
      file: core,
    },
    {
      ...(await bundled(
        "`@ehr-sync/core/template` (the OPT string)",
        `export * from ${JSON.stringify(template)};`,
      )),
      file: template,
    },
  ];
  const coreMainHasOpt = readFileSync(core, "utf8").includes("<template xmlns");
  const rows = await Promise.all(imports.map(async (i) => ({ ...i, ms: importMs(i.file) })));
  const coreTarball = packs.find((p) => p.pkg === "core")!.tarball;

  const markdown = `## Package sizes and import cost

${machineLine()}; \`pnpm --filter @ehr-sync/core bench:sizes\` (packages/core/bench/package-sizes.ts) after \`pnpm build\`.

| package | tarball (gzip) | unpacked | files |
| --- | ---: | ---: | ---: |
${packs.map((p) => `| \`@ehr-sync/${p.pkg}\` | ${kb(p.tarball)} | ${kb(p.unpacked)} | ${p.files} |`).join("\n")}

| import | bundled, minified | + gzip | cold \`import()\` of the built entry (median of 15) |
| --- | ---: | ---: | ---: |
${rows.map((r) => `| ${r.label} | ${kb(r.min)} | ${kb(r.gz)} | ${r.ms.toFixed(1)} ms |`).join("\n")}

Target: core's tarball ≤ 150 KB, or the template in a separate entry the client-facing import does not load.
Core's tarball is ${kb(coreTarball)} (${coreTarball <= 150 * 1024 ? "met" : "over 150 KB: the template's ESM and CJS copies and the source maps"}); the
template ${coreMainHasOpt ? "IS STILL in core's main entry (target missed)" : "is only in `@ehr-sync/core/template`: `@ehr-sync/core` neither bundles nor loads it (target met)"}.
The mapping import includes the shipped web template (\`SOAP_WEB_TEMPLATE\`), which FLAT validation needs.`;
  console.log(markdown);
  writeBenchmarkSection("package-sizes", markdown);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
