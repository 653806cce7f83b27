import { mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { defineConfig } from "@playwright/test";

// One fresh embedded database per run; workers inherit the variable from the runner.
process.env.FERRY_E2E_DIR ??= path.join(os.tmpdir(), `ferry-e2e-${process.pid}-${Date.now()}`);
const runDir = process.env.FERRY_E2E_DIR;
mkdirSync(runDir, { recursive: true });

// FERRY_E2E_PORT_BASE lets two Playwright runs share a machine (each on its own three ports).
const PORT_BASE = Number(process.env.FERRY_E2E_PORT_BASE ?? 3210);
export const MAIN_PORT = PORT_BASE;
export const SHORT_IDLE_PORT = PORT_BASE + 1;
export const SHORT_IDLE_SECONDS = 6;
export const SHORT_SUPPORT_PORT = PORT_BASE + 2;
export const SHORT_SUPPORT_SECONDS = 12;
// Operator-listed support staff (FERRY_BOOTSTRAP_STAFF_EMAILS): these get the staff role when they sign up.
export const STAFF_EMAILS = ["staff-console@e2e.test", "staff-expiry@e2e.test", "staff-signout@e2e.test"];

function server(port: number, dataDir: string, extra: Record<string, string> = {}) {
  return {
    // The compiled server as `pnpm start:web` runs it; turbo builds it before this suite.
    command: "node scripts/launch.mjs web",
    cwd: path.resolve(import.meta.dirname, ".."),
    url: `http://127.0.0.1:${port}/readyz`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "ignore" as const,
    stderr: "pipe" as const,
    env: {
      PORT: String(port),
      HOST: "127.0.0.1",
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      FERRY_DATA_DIR: dataDir,
      FERRY_EMULATOR_PORT: "0",
      LOG_LEVEL: "warn",
      NODE_ENV: "production",
      FERRY_BOOTSTRAP_STAFF_EMAILS: STAFF_EMAILS.join(","),
      ...extra,
    },
  };
}

export default defineConfig({
  testDir: "./tests",
  // The files that run a real sync take most of the suite's time: queued first, the longest first, so
  // with several workers they start early instead of queueing behind the short ones at the end.
  projects: [
    { name: "sync-long", testMatch: /\/sync-(real-visibility|live)\.spec\.ts$/ },
    { name: "sync", testMatch: /\/sync-[^/]*\.spec\.ts$/, testIgnore: /\/sync-(real-visibility|live)\.spec\.ts$/ },
    { name: "portal", testIgnore: /\/sync-[^/]*\.spec\.ts$/ },
  ],
  // Files run side by side in FERRY_E2E_WORKERS workers (one by default; `pnpm test` runs two Playwright processes instead): each
  // file's tests stay in order, on the shared servers below or on servers of the file's own.
  fullyParallel: false,
  workers: Number(process.env.FERRY_E2E_WORKERS ?? 1),
  forbidOnly: !!process.env.CI,
  // In CI one retry, reported as flaky in the list: `pnpm test` runs this beside four other lanes on
  // two cores (load 11–16), where a live page's figure has once missed a bound by a few hundred ms.
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [["list"]] : [["list"]],
  outputDir: path.join(runDir, "results"),
  use: {
    baseURL: `http://127.0.0.1:${MAIN_PORT}`,
    browserName: "chromium",
    headless: true,
    // A failure keeps its trace (DOM snapshots of every step); without the screencast, which cost
    // most of the suite's CPU time (each test recorded, kept only on failure).
    trace: { mode: "retain-on-failure", screenshots: false },
    // The browser asks for reduced motion, which the portal honours: an endless animation (the live
    // dot's ping, a running sync's spinner) made headless Chromium composite 60 frames a second in
    // every open page, the largest single CPU cost of the suite.
    reducedMotion: "reduce",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  // FERRY_E2E_SERVERS=off: a run of the sync projects only, whose files start servers of their own.
  webServer:
    process.env.FERRY_E2E_SERVERS === "off"
      ? []
      : [
          server(MAIN_PORT, path.join(runDir, "main")),
          server(SHORT_IDLE_PORT, path.join(runDir, "short-idle"), {
            SESSION_IDLE_SECONDS: String(SHORT_IDLE_SECONDS),
            FERRY_EMULATOR: "off",
            FERRY_DEMO: "off",
          }),
          server(SHORT_SUPPORT_PORT, path.join(runDir, "short-support"), {
            FERRY_SUPPORT_ACCESS_MAX_SECONDS: String(SHORT_SUPPORT_SECONDS),
            FERRY_EMULATOR: "off",
            FERRY_DEMO: "off",
          }),
        ],
});
