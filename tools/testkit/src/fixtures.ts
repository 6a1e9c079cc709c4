/**
 * Paths to the shared, Apache-2.0 openEHR fixtures (see shared/fixtures/templates/SOURCES.md). They live
 * beside the repository, not in it: a plain clone has none, and the tests that need them are skipped
 * there (counted and explained by fixture-skip-reporter.ts). In CI, where ../shared exists, a missing
 * corpus or a skipped fixture test is a failure, so those tests can never silently stop running.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, "../../..");

/** The corpus folder: EHR_SYNC_FIXTURES, else ../shared/fixtures beside the repository. */
export function fixturesLocation(): string {
  return process.env.EHR_SYNC_FIXTURES ?? resolve(repoRoot, "../shared/fixtures");
}

/** Every fixture test must run: in CI with ../shared beside the repository, or when EHR_SYNC_FIXTURES names a folder. */
export function fixturesRequired(): boolean {
  if (process.env.EHR_SYNC_FIXTURES) return true;
  return process.env.CI === "true" && existsSync(resolve(repoRoot, "../shared"));
}

/** Why fixture tests are skipped here, or undefined when the corpus is present. */
export function fixturesSkipReason(): string | undefined {
  const dir = fixturesLocation();
  if (existsSync(dir)) return undefined;
  return `the openEHR fixture corpus is not at ${dir} (it lives outside the repository; set EHR_SYNC_FIXTURES to its folder)`;
}

/**
 * True when the corpus is here. For `describe.runIf(fixturesPresent())`: without it those tests are
 * reported as skipped. Throws in CI when ../shared exists but the corpus cannot be found.
 */
export function fixturesPresent(): boolean {
  const reason = fixturesSkipReason();
  if (reason && fixturesRequired()) {
    throw new Error(
      `every fixture test must run here (CI with ../shared, or EHR_SYNC_FIXTURES set), but ${reason}`,
    );
  }
  return reason === undefined;
}

export function fixturesDir(): string {
  const dir = fixturesLocation();
  if (!existsSync(dir)) {
    throw new Error(`shared fixtures not found at ${dir}; set EHR_SYNC_FIXTURES to the fixtures folder`);
  }
  return dir;
}

export function fixturePath(...parts: string[]): string {
  return join(fixturesDir(), ...parts);
}

export async function readFixture(...parts: string[]): Promise<string> {
  return readFile(fixturePath(...parts), "utf8");
}
