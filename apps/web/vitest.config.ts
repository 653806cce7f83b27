import { fileURLToPath } from "node:url";
import { sharedTestOptions } from "@ferry/config/vitest";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) },
  },
  test: {
    ...sharedTestOptions,
    exclude: ["**/node_modules/**", "**/.next/**"],
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
