/** Paths to the shared, Apache-2.0 openEHR fixtures (see shared/fixtures/templates/SOURCES.md). */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, "../../..");

/** The shared fixtures live beside the repository: ../shared/fixtures (override with EHR_SYNC_FIXTURES). */
export function fixturesDir(): string {
  const dir = process.env.EHR_SYNC_FIXTURES ?? resolve(repoRoot, "../shared/fixtures");
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
