#!/usr/bin/env node
// The production build: `node scripts/build.mjs web|worker|all [--force]`.
//   web:    `next build` (pages) + server.ts bundled to <distDir>/ferry/server.js
//   worker: apps/worker/src/main.ts bundled to apps/worker/dist/main.js
// Each output carries the hash of the sources it was built from (build.json); a build whose
// sources are unchanged is skipped, and scripts/launch.mjs refuses a missing or stale one.
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { buildState, repoRoot, sourceHash, targets, writeStamp } from "./build-stamp.mjs";
import { bundle } from "./bundle.mjs";

const args = process.argv.slice(2);
const force = args.includes("--force");
const wanted = args.filter((a) => !a.startsWith("--"));
const which = wanted.length === 0 || wanted.includes("all") ? ["web", "worker"] : wanted;
for (const target of which) {
  if (!(target in targets)) {
    console.error(`build: unknown target "${target}" (web, worker or all)`);
    process.exit(2);
  }
}

const seconds = (since) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

function run(command, commandArgs, options) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { stdio: "inherit", ...options });
    child.once("error", reject);
    child.once("exit", (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${path.basename(commandArgs[0] ?? command)} ${commandArgs.slice(1).join(" ")} failed (${code ?? signal})`)),
    );
  });
}

const steps = {
  async web(hash) {
    const webDir = path.join(repoRoot, "apps/web");
    let t = performance.now();
    console.log("build web [1/2]: Next.js pages (next build, no type check: `pnpm typecheck` does that)…");
    const nextBin = path.join(webDir, "node_modules/next/dist/bin/next");
    await run(process.execPath, [nextBin, "build"], { cwd: webDir, env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
    console.log(`build web [1/2]: pages done in ${seconds(t)}`);
    t = performance.now();
    console.log("build web [2/2]: server (server.ts with the workspace packages, esbuild)…");
    rmSync(targets.web.outDir(), { recursive: true, force: true });
    await bundle(path.join(webDir, "server.ts"), targets.web.entry());
    writeStamp("web", hash);
    console.log(`build web [2/2]: server done in ${seconds(t)}`);
  },
  async worker(hash) {
    const t = performance.now();
    console.log("build worker [1/1]: apps/worker/src/main.ts with the workspace packages (esbuild)…");
    rmSync(targets.worker.outDir(), { recursive: true, force: true });
    await bundle(path.join(repoRoot, "apps/worker/src/main.ts"), targets.worker.entry());
    writeStamp("worker", hash);
    // The bundle loaded once (FERRY_WARM_UP stops it before it starts anything), so its compile
    // cache exists before the first real start (scripts/launch.mjs).
    await run(process.execPath, [path.join(repoRoot, "scripts/launch.mjs"), "worker"], {
      cwd: repoRoot,
      env: { ...process.env, FERRY_WARM_UP: "compile-cache" },
    });
    console.log(`build worker [1/1]: done in ${seconds(t)}`);
  },
};

for (const target of which) {
  const state = buildState(target);
  if (!force && state.state === "fresh") {
    console.log(`build ${target}: up to date (sources unchanged since ${state.stamp.builtAt})`);
    continue;
  }
  const started = performance.now();
  const { hash } = sourceHash(target);
  try {
    await steps[target](hash);
  } catch (error) {
    console.error(`build ${target} failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  // The stamp holds the hash taken before building: an edit made meanwhile makes the next start rebuild.
  if (sourceHash(target).hash !== hash) console.warn(`build ${target}: sources changed while building; the next start builds again`);
  console.log(`build ${target}: built in ${seconds(started)}`);
}
