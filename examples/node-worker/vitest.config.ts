import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // One test waits for a real pg_cron tick (minute granularity): up to ~62 s.
    testTimeout: 90_000,
    hookTimeout: 120_000,
  },
});
