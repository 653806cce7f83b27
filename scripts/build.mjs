#!/usr/bin/env node
// The production build: `node scripts/build.mjs web|worker|all [--force]`.
//   web:    `next build` (pages) + server.ts bundled to <distDir>/ferry/server.js
//   worker: apps/worker/src/main.ts bundled to apps/worker/dist/main.js
// Each output carries the hash of the sources it was built from (build.json); a build whose
// sources are unchanged is skipped, and scripts/launch.mjs refuses a missing or stale one.
import { spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { buildState, repoRoot, sourceHash, targets, writeStamp } from "./build-stamp.mjs";

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

// Loaded at runtime from node_modules, never bundled: Next and React must be the very copies the
// .next output was built against; PGlite finds its wasm and data files beside its own module;
// the rest are optional native add-ons their packages load only when present.
const EXTERNAL = ["next", "next/*", "react", "react/*", "react-dom", "react-dom/*", "@electric-sql/pglite", "@electric-sql/pglite/*", "pg-native", "bufferutil", "utf-8-validate", "fsevents"];

/**
 * Workspace sources find files beside themselves (migrations, the repository root) through
 * import.meta.url; in a bundle that URL is the bundle's, so each one is rewritten to the URL the
 * source file has, relative to where the bundle lies (both ship together, see the Dockerfile).
 */
function sourceLocationPlugin(outDir) {
  return {
    name: "ferry-source-location",
    setup(build) {
      build.onLoad({ filter: /\.(ts|tsx|mts|js|mjs)$/ }, (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const text = readFileSync(args.path, "utf8");
        if (!text.includes("import.meta.")) return undefined;
        const rel = JSON.stringify(path.relative(outDir, args.path).split(path.sep).join("/"));
        const contents = text
          .replaceAll("import.meta.url", `__ferrySourceUrl(${rel})`)
          .replaceAll("import.meta.dirname", `__ferrySourceDir(${rel})`)
          .replaceAll("import.meta.filename", `__ferrySourceFile(${rel})`);
        return { contents, loader: path.extname(args.path).slice(1).replace(/^m/, "") };
      });
    },
  };
}

async function bundle(entry, outFile) {
  const esbuild = await import("esbuild");
  const outDir = path.dirname(outFile);
  await esbuild.build({
    entryPoints: [entry],
    outfile: outFile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node24",
    sourcemap: "linked",
    external: EXTERNAL,
    // CommonJS dependencies inside an ES module bundle still call require().
    banner: {
      js: [
        'import { createRequire as __ferryCreateRequire } from "node:module";',
        'import { fileURLToPath as __ferryFileURLToPath } from "node:url";',
        'import { dirname as __ferryDirname } from "node:path";',
        "const require = __ferryCreateRequire(import.meta.url);",
        "const __ferrySourceUrl = (rel) => new URL(rel, import.meta.url).href;",
        "const __ferrySourceFile = (rel) => __ferryFileURLToPath(__ferrySourceUrl(rel));",
        "const __ferrySourceDir = (rel) => __ferryDirname(__ferrySourceFile(rel));",
      ].join("\n"),
    },
    plugins: [sourceLocationPlugin(outDir)],
    logLevel: "warning",
    legalComments: "none",
    minify: true,
    keepNames: false,
  });
  writeFileSync(path.join(outDir, "package.json"), '{ "type": "module" }\n');
}

function run(command, commandArgs, options) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { stdio: "inherit", ...options });
    child.once("error", reject);
    child.once("exit", (code, signal) => (code === 0 ? resolve() : reject(new Error(`${path.basename(commandArgs[0] ?? command)} ${commandArgs.slice(1).join(" ")} failed (${code ?? signal})`))));
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
