import { defineConfig } from "tsup";

export default defineConfig([
  {
    entry: ["src/index.ts"],
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
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
