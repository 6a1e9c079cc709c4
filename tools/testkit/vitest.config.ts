import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    // Counts and explains tests skipped for want of ../shared/fixtures; fails CI if any were.
    reporters: ["default", "./src/fixture-skip-reporter.ts"],
  },
});
