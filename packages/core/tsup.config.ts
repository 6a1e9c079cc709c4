import { defineConfig } from "tsup";

export default defineConfig([
  {
    entry: ["src/index.ts"],
    format: ["esm", "cjs"],
    dts: true,
    // Maps point at the source lines without embedding them (the sources hold the 72 KB web template
    // and the SQL migrations): a third of the weight, stack traces still name src/ files and lines.
    sourcemap: true,
    esbuildOptions(options) {
      options.sourcesContent = false;
    },
    clean: false,
    target: "es2022",
  },
  {
    // `@ehr-sync/core/backoff`: the backoff rule alone (no imports), for the client to bundle.
    entry: { backoff: "src/queue/backoff.ts" },
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: false,
    clean: false,
    target: "es2022",
  },
  {
    // The OPT string is generated, not hand-written: a source map of it would only double its weight.
    entry: ["src/template.ts"],
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: false,
    clean: false,
    target: "es2022",
  },
]);
