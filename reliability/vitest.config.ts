import { sharedTestOptions } from "@ferry/config/vitest";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    ...sharedTestOptions,
    setupFiles: ["test/setup.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30 * 60_000,
    hookTimeout: 120_000,
    // Files share a 2-core machine with other work: one at a time keeps crash timings meaningful.
    maxWorkers: 1,
    fileParallelism: false,
  },
});
