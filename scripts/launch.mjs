#!/usr/bin/env node
// Starts the compiled runtime, in this very process (signals reach the server itself):
//   node scripts/launch.mjs web      the portal: <distDir>/ferry/server.js over Next's .next output
//   node scripts/launch.mjs worker   the standalone worker: apps/worker/dist/main.js
// No build, no TypeScript: a missing or stale build (sources changed since) is refused with what to run.
import { readFileSync } from "node:fs";
import { enableCompileCache } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { buildState, nextDistDir, repoRoot, targets } from "./build-stamp.mjs";

const target = process.argv[2];
if (target !== "web" && target !== "worker") {
  console.error("usage: node scripts/launch.mjs web|worker");
  process.exit(2);
}

const state = buildState(target);
if (state.state !== "fresh") {
  const what = target === "web" ? "web server" : "worker";
  const why =
    state.state === "missing"
      ? `there is no compiled ${what} (${path.relative(repoRoot, targets[target].entry())})`
      : `the compiled ${what} is stale: the sources changed after it was built (${state.stamp.builtAt})`;
  console.error(`\nFerry could not start: ${why}.\nRun \`pnpm build\` first (\`pnpm start\` builds by itself when needed).\n`);
  process.exit(1);
}

process.env.NODE_ENV ??= "production";
if (target === "web") {
  // Next's resolved configuration as the build recorded it, so the server never loads next.config.ts.
  const distDir = path.join(repoRoot, "apps/web", nextDistDir());
  const { config } = JSON.parse(readFileSync(path.join(distDir, "required-server-files.json"), "utf8"));
  process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(config);
}
// V8's compiled code of the bundle and of Next, kept on disk beside the bundle across starts: a
// restart parses megabytes of JavaScript far faster the second time, and the worker, whose cache
// the build writes, holds ~20 MB less from its very first start (code read from the cache, not compiled).
enableCompileCache(path.join(targets[target].outDir(), "compile-cache"));
await import(pathToFileURL(targets[target].entry()).href);
