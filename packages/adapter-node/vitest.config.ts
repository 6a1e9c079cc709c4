import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Worker logs are JSON lines on stdout; keep test output readable.
    env: { EHR_SYNC_LOG_LEVEL: process.env.EHR_SYNC_LOG_LEVEL ?? "warn" },
  },
});
