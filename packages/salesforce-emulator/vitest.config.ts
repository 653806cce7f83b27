import { sharedTestOptions } from "@ferry/config/vitest";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    ...sharedTestOptions,
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    setupFiles: ["test/setup.ts"],
    testTimeout: 90_000,
    hookTimeout: 90_000,
  },
});
