import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // A process per file (unlike the other packages, @ferry/config/vitest): some of these tests time
    // the emulator's own states and latency, and in a process shared with the files before them they
    // missed a job's InProgress state and an 80 ms bound once under CI's load.
    isolate: true,
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    setupFiles: ["test/setup.ts"],
    testTimeout: 90_000,
    hookTimeout: 90_000,
  },
});
