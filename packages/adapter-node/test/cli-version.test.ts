import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runCli } from "../src/cli-commands.js";

const version = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))
  .version as string;

async function cli(...argv: string[]) {
  const out: string[] = [];
  const code = await runCli(argv, {
    env: {},
    print: (line) => out.push(line),
    stopSignal: new Promise(() => {}),
  });
  return { code, out: out.join("\n") };
}

describe("ehr-sync --version and --help", () => {
  it("prints the package version and exits 0", async () => {
    expect(await cli("--version")).toEqual({ code: 0, out: version });
    expect(await cli("-v")).toEqual({ code: 0, out: version });
  });

  it("prints the usage with exit 0 for --help, and exit 2 for an unknown command", async () => {
    expect(await cli("--help")).toMatchObject({ code: 0, out: expect.stringContaining("usage: ehr-sync") });
    expect(await cli("-h")).toMatchObject({ code: 0 });
    expect(await cli("frobnicate")).toMatchObject({ code: 2, out: expect.stringContaining("--version") });
  });
});
