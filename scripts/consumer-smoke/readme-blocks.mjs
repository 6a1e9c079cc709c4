// Writes every ```ts / ```js block of the installed packages' READMEs to a file of its own, so that the
// README a user reads on the registry is type-checked against the packages they install. Blocks that
// use Deno's globals go to deno/ (checked with `deno check`), the rest to node/ (checked with tsc).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [appDir, ...packages] = process.argv.slice(2);
let count = 0;
for (const pkg of packages) {
  const readme = readFileSync(join(appDir, "node_modules", "@ehr-sync", pkg, "README.md"), "utf8");
  const blocks = [...readme.matchAll(/^```(ts|js)\n([\s\S]*?)^```$/gm)];
  if (blocks.length === 0) throw new Error(`${pkg}/README.md has no ts/js example`);
  blocks.forEach(([, , code], i) => {
    const deno = code.includes("Deno.");
    const dir = join(appDir, "readme", deno ? "deno" : "node");
    mkdirSync(dir, { recursive: true });
    // JavaScript examples too are checked as TypeScript: users paste them into .ts files.
    const ext = deno ? "ts" : "mts";
    // `export {}` keeps each block a module of its own (top-level await, no clashing names).
    writeFileSync(join(dir, `${pkg}-${i + 1}.${ext}`), `${code}\nexport {};\n`);
    count += 1;
  });
}
console.log(`readme: ${count} code blocks from ${packages.length} READMEs`);
