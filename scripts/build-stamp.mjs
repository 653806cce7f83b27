// The compiled runtime's freshness check, shared by scripts/build.mjs (writes the stamp) and
// scripts/launch.mjs (compares it before starting). Plain JavaScript: it runs before any build.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Next's output directory (relative to apps/web); a second build may live beside the first. */
export const nextDistDir = () => process.env.FERRY_NEXT_DIST_DIR || ".next";

export const targets = {
  web: {
    /** What the compiled web server is made of: its own code, every package it bundles, the lockfile. */
    inputs: ["apps/web", "apps/worker", "packages", "pnpm-lock.yaml", "scripts/build.mjs"],
    outDir: () => path.join(repoRoot, "apps/web", nextDistDir(), "ferry"),
    entry: () => path.join(repoRoot, "apps/web", nextDistDir(), "ferry/server.js"),
    /** Present only in a source checkout; a container image ships the output alone. */
    sourceMarker: "apps/web/server.ts",
    extraKey: () => nextDistDir(),
  },
  worker: {
    inputs: ["apps/worker", "packages", "pnpm-lock.yaml", "scripts/build.mjs"],
    outDir: () => path.join(repoRoot, "apps/worker/dist"),
    entry: () => path.join(repoRoot, "apps/worker/dist/main.js"),
    sourceMarker: "apps/worker/src/main.ts",
    extraKey: () => "",
  },
};

// Tests, docs, tool state and build output do not change what runs.
const SKIP_DIRS = new Set(["node_modules", "dist", "test", "tests", "testing", "scripts", "bench", "coverage", ".turbo", "test-results", "e2e"]);
const SKIP_FILE = /(\.test\.tsx?|\.md|\.tsbuildinfo|^next-env\.d\.ts|^vitest\.config\.ts)$/;

function collect(rel, out) {
  const abs = path.join(repoRoot, rel);
  if (!existsSync(abs)) return;
  if (statSync(abs).isFile()) {
    out.push(rel);
    return;
  }
  for (const entry of readdirSync(abs, { withFileTypes: true })) {
    if (entry.name.startsWith(".")) continue;
    const child = path.join(rel, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) collect(child, out);
    } else if (entry.isFile() && !SKIP_FILE.test(entry.name)) {
      out.push(child);
    }
  }
}

/** sha256 over the target's source files (paths and contents, sorted) and the lockfile. */
export function sourceHash(target) {
  const spec = targets[target];
  const files = [];
  for (const input of spec.inputs) collect(input, files);
  files.sort();
  const hash = createHash("sha256");
  hash.update(`${target}\0${spec.extraKey()}\0`);
  for (const file of files) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(path.join(repoRoot, file)));
    hash.update("\0");
  }
  return { hash: hash.digest("hex"), files: files.length };
}

const stampFile = (target) => path.join(targets[target].outDir(), "build.json");

export function writeStamp(target, hash) {
  mkdirSync(targets[target].outDir(), { recursive: true });
  writeFileSync(stampFile(target), `${JSON.stringify({ target, sourceHash: hash, builtAt: new Date().toISOString(), node: process.version }, null, 2)}\n`);
}

/**
 * "fresh", or why not: "missing" (never built) or "stale" (sources changed since). A checkout
 * without the sources (a container image) has only the output, which is then taken as it is.
 */
export function buildState(target) {
  const spec = targets[target];
  if (!existsSync(spec.entry()) || !existsSync(stampFile(target))) return { state: "missing" };
  const stamp = JSON.parse(readFileSync(stampFile(target), "utf8"));
  if (!existsSync(path.join(repoRoot, spec.sourceMarker))) return { state: "fresh", stamp, checked: false };
  const { hash } = sourceHash(target);
  return { state: hash === stamp.sourceHash ? "fresh" : "stale", stamp, hash, checked: true };
}
