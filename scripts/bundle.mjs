// The esbuild bundling of the compiled runtime, shared by scripts/build.mjs and the benchmarks
// (which bundle their worker entry the same way, so they measure what production runs).
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

// Loaded at runtime from node_modules, never bundled: Next and React must be the very copies the
// .next output was built against; PGlite finds its wasm and data files beside its own module;
// the rest are optional native add-ons their packages load only when present.
const EXTERNAL = [
  "next",
  "next/*",
  "react",
  "react/*",
  "react-dom",
  "react-dom/*",
  "@electric-sql/pglite",
  "@electric-sql/pglite/*",
  "pg-native",
  "bufferutil",
  "utf-8-validate",
  "fsevents",
];

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

export async function bundle(entry, outFile) {
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
