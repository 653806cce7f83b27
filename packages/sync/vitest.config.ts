import { sharedTestOptions } from "@ferry/config/vitest";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    ...sharedTestOptions,
    setupFiles: ["test/setup.ts"],
    testTimeout: 240_000,
    hookTimeout: 240_000,
    // Each file starts its own emulator and databases; two at a time suits a 2-core machine.
    maxWorkers: 2,
  },
});
