/**
 * Runs the built `ehr-sync` CLI (dist/cli.js, what `npx -p @ehr-sync/adapter-node ehr-sync` runs) in a child process, with its
 * output captured (PHI-free JSON log lines and the command's own lines) for assertions and for the
 * message of a failing test.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const CLI_PATH = join(packageRoot, "dist", "cli.js");

export interface CliRun {
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal) and the signal, once output is in. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout: () => string;
  stderr: () => string;
}

export function requireBuiltCli(): void {
  if (!existsSync(CLI_PATH)) {
    throw new Error(`${CLI_PATH} is missing: run \`pnpm turbo run build\` at the repository root first`);
  }
}

export function runBuiltCli(args: string[], env: Record<string, string>): CliRun {
  requireBuiltCli();
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    cwd: packageRoot,
    env: { ...process.env, EHR_SYNC_LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.setEncoding("utf8").on("data", (s: string) => {
    out += s;
  });
  child.stderr?.setEncoding("utf8").on("data", (s: string) => {
    err += s;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("close", (code, signal) => resolve({ code, signal }));
  });
  return { child, exited, stdout: () => out, stderr: () => err };
}
