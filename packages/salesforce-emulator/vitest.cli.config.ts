import { defineConfig } from "vitest/config";

/** The Salesforce CLI suite: slow (real `sf` processes), so kept out of `pnpm test`. */
export default defineConfig({
  test: {
    include: ["test-cli/**/*.test.ts"],
    setupFiles: ["test/setup.ts"],
    testTimeout: 240_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
});
