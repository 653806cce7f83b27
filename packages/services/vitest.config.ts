import { defineConfig } from "vitest/config";

export default defineConfig({
  test: { pool: "forks", testTimeout: 180_000, hookTimeout: 180_000 },
});
