import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Counts and explains tests skipped for want of ../shared/fixtures; fails CI if any were.
    reporters: ["default", "@ehr-sync/testkit/fixture-skip-reporter"],
  },
});
