import { sharedTestOptions } from "@ferry/config/vitest";
import { defineConfig } from "vitest/config";

export default defineConfig({ test: { ...sharedTestOptions } });
