/**
 * The Edge Function's dependencies are pinned by its committed deno.lock. `@ehr-sync/adapter-supabase`
 * is not on npm yet, so the lock is generated through the workspace import map (the adapter's
 * test-deno/deno.json, which points `@ehr-sync/*` at this workspace's builds) and pins what the
 * function pulls from npm. `deno check --frozen` passes with the committed lock and fails with a lock
 * that has drifted from the import map. Regenerate after a dependency change with:
 *   pnpm --filter @ehr-sync/example-supabase run function:lock
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const exampleRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = join(exampleRoot, "..", "..");
const functionDir = join(exampleRoot, "supabase", "functions", "process-ehr-sync-queue");
const committedLock = join(functionDir, "deno.lock");
const workspaceImportMap = join(repoRoot, "packages", "adapter-supabase", "test-deno", "deno.json");
const deno = join(repoRoot, "node_modules", ".bin", "deno");

let scratch: string;

beforeAll(async () => {
  if (!existsSync(deno))
    throw new Error(`Deno not found at ${deno}: run pnpm install (deno is a pinned devDependency)`);
  if (!existsSync(join(repoRoot, "packages", "adapter-supabase", "dist", "index.js")))
    throw new Error("packages/adapter-supabase is not built: run pnpm turbo run build");
  scratch = await mkdtemp(join(tmpdir(), "ehr-sync-function-lock-"));
});

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** `deno check --frozen` of the function with the given lock; resolves to its exit code and stderr. */
async function frozenCheck(lock: string): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await run(
      deno,
      ["check", "--config", workspaceImportMap, `--lock=${lock}`, "--frozen", join(functionDir, "index.ts")],
      { cwd: functionDir, env: { ...process.env, NO_COLOR: "1" } },
    );
    return { code: 0, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stderr?: string };
    // Only a non-zero exit of deno itself is an answer; anything else (no binary, killed) is a failure.
    if (typeof failed.code !== "number") throw error;
    return { code: failed.code, stderr: failed.stderr ?? "" };
  }
}

describe("the function's deno.lock", () => {
  it("is committed and passes deno check --frozen, unchanged", async () => {
    const before = await readFile(committedLock, "utf8");
    const result = await frozenCheck(committedLock);
    expect(result, result.stderr).toMatchObject({ code: 0 });
    expect(await readFile(committedLock, "utf8")).toBe(before);
  });

  it("fails deno check --frozen once it has drifted from the import map", async () => {
    const drifted = join(scratch, "deno.lock");
    await copyFile(committedLock, drifted);
    // As if the lock had been left behind when postgres was moved to another version.
    const text = await readFile(drifted, "utf8");
    expect(text).toContain("postgres@3.4.9");
    await writeFile(
      drifted,
      text.replaceAll("postgres@3.4.9", "postgres@3.4.8").replaceAll('"3.4.9"', '"3.4.8"'),
    );
    const result = await frozenCheck(drifted);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("The lockfile is out of date");
  });
});
