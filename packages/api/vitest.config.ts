import { sharedTestOptions } from "@ferry/config/vitest";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    ...sharedTestOptions,
    pool: "forks",
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
