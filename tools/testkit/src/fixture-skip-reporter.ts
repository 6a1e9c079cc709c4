/**
 * A vitest reporter for the fixture rule: prints how many tests were skipped and why (the corpus is not
 * beside this clone), and fails the run when tests were skipped although they must all run (CI with
 * ../shared present). The repository has no `.skip`/`.todo`, so every skipped test is a fixture test.
 * Use it as `reporters: ["default", "@ehr-sync/testkit/fixture-skip-reporter"]`.
 */
import type { Reporter, TestModule } from "vitest/node";
import { fixturesRequired, fixturesSkipReason } from "./fixtures.js";

export default class FixtureSkipReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let skipped = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests()) if (test.result().state === "skipped") skipped += 1;
    }
    if (skipped === 0) return;
    const reason = fixturesSkipReason() ?? "the fixture corpus is present, yet tests were skipped";
    if (fixturesRequired()) {
      console.error(
        `[fixtures] FAIL: ${skipped} test(s) skipped in CI, where every fixture test must run: ${reason}`,
      );
      process.exitCode = 1;
      return;
    }
    console.log(`[fixtures] ${skipped} test(s) skipped: ${reason}`);
  }
}
