#!/usr/bin/env node
// `pnpm typecheck` for CI (scripts/test-all.sh): every workspace package's own tsconfig, with the
// packages whose compiler options are identical checked together as one program. Each package
// compiles its workspace dependencies from source, so `tsc -p` per package checks the shared code
// once per dependent package (about twice the CPU); one program per set of options checks every
// file once, with the same options, the same files and the same module resolution.
//   node scripts/typecheck.mjs            (exit code 1 when any program has errors)
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Workspace package directories (pnpm-workspace.yaml's `packages:` globs, `dir/*` or `dir`) with a typecheck script. */
function workspacePackages() {
  const yaml = readFileSync(path.join(root, "pnpm-workspace.yaml"), "utf8");
  const globs = [];
  let inPackages = false;
  for (const line of yaml.split("\n")) {
    if (/^packages:\s*$/.test(line)) inPackages = true;
    else if (/^\S/.test(line)) inPackages = false;
    else if (inPackages) {
      const m = /^\s*-\s*["']?([^"'\s]+)["']?/.exec(line);
      if (m) globs.push(m[1]);
    }
  }
  const dirs = globs.flatMap((glob) =>
    glob.endsWith("/*")
      ? readdirSync(path.join(root, glob.slice(0, -2)), { withFileTypes: true })
          .filter((d) => d.isDirectory())
          .map((d) => path.join(root, glob.slice(0, -2), d.name))
      : [path.join(root, glob)],
  );
  return dirs.filter((dir) => {
    const manifest = path.join(dir, "package.json");
    if (!existsSync(manifest) || !existsSync(path.join(dir, "tsconfig.json"))) return false;
    return Boolean(JSON.parse(readFileSync(manifest, "utf8")).scripts?.typecheck);
  });
}

function tscOf(dir) {
  const local = path.join(dir, "node_modules/typescript/bin/tsc");
  return existsSync(local) ? local : path.join(root, "node_modules/typescript/bin/tsc");
}

const started = performance.now();
const packages = workspacePackages();
// The options and files each package's tsconfig resolves to (extends, include and exclude applied).
const resolved = packages.map((dir) => {
  const out = spawnSync(process.execPath, [tscOf(dir), "--showConfig", "-p", dir], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (out.status !== 0) {
    console.error(`typecheck: tsc --showConfig -p ${path.relative(root, dir)} failed:\n${out.stdout}${out.stderr}`);
    process.exit(1);
  }
  const config = JSON.parse(out.stdout);
  return { dir, config };
});

// Options that name paths or per-project state cannot be shared: such a package keeps its own program.
const ownProgram = (options) =>
  ["paths", "baseUrl", "rootDir", "incremental", "composite", "plugins", "typeRoots", "tsBuildInfoFile"].some((k) => k in options);
const groups = new Map();
for (const entry of resolved) {
  const options = entry.config.compilerOptions ?? {};
  const key = ownProgram(options) ? `own:${entry.dir}` : JSON.stringify(options);
  groups.set(key, [...(groups.get(key) ?? []), entry]);
}

const cacheDir = path.join(root, "node_modules/.cache/ferry-typecheck");
mkdirSync(cacheDir, { recursive: true });
const programs = [...groups.values()].map((members, i) => {
  const names = members.map((m) => path.relative(root, m.dir)).join(", ");
  if (members.length === 1) return { names, args: ["--noEmit", "-p", members[0].dir], tsc: tscOf(members[0].dir) };
  const files = [...new Set(members.flatMap((m) => (m.config.files ?? []).map((f) => path.resolve(m.dir, f))))];
  // `types` is looked up in each package's own node_modules/@types, as its own tsconfig would.
  const typeRoots = members.map((m) => path.join(m.dir, "node_modules/@types")).filter((d) => existsSync(d));
  const file = path.join(cacheDir, `group-${i}.json`);
  writeFileSync(file, JSON.stringify({ compilerOptions: { ...members[0].config.compilerOptions, typeRoots }, files }, null, 2));
  return { names, args: ["--noEmit", "-p", file], tsc: tscOf(members[0].dir) };
});

const results = await Promise.all(
  programs.map(
    (program) =>
      new Promise((resolve) => {
        const t = performance.now();
        const child = spawn(process.execPath, [program.tsc, ...program.args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout.on("data", (c) => (output += c));
        child.stderr.on("data", (c) => (output += c));
        child.on("exit", (code) => resolve({ ...program, code, output, seconds: ((performance.now() - t) / 1000).toFixed(1) }));
      }),
  ),
);
let failed = false;
for (const r of results) {
  console.log(`typecheck: ${r.code === 0 ? "ok" : "FAILED"} in ${r.seconds} s: ${r.names}`);
  if (r.output.trim()) console.log(r.output.trimEnd());
  if (r.code !== 0) failed = true;
}
console.log(`typecheck: ${packages.length} packages in ${programs.length} programs, ${((performance.now() - started) / 1000).toFixed(1)} s`);
process.exit(failed ? 1 : 0);
