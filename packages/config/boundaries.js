// The layering, enforced by ESLint's own `no-restricted-imports` (no plugin, no resolver: the
// exports maps already keep every package to its public entry points, so a rule on import
// specifiers is exact). Drawn in docs/architecture.md:
//
//   apps (web, worker) → api → auth → services ← sync; services, sync → jobs → db, observability
//
// Each package lists the workspace packages its source may import; anything else is an error.
// Nothing imports an app. The Salesforce emulator is for tests, benchmarks and the embedded demo.

const APPS = ["@ferry/web", "@ferry/worker"];
const EMULATOR = "@ferry/salesforce-emulator";

/** Workspace packages each package's source may import (besides itself, by relative path). */
export const layers = {
  "packages/db": [],
  "packages/observability": [],
  "packages/salesforce-emulator": [],
  "packages/jobs": ["@ferry/db", "@ferry/observability"],
  "packages/realtime": ["@ferry/db", "@ferry/observability"],
  "packages/services": ["@ferry/db", "@ferry/jobs"],
  "packages/auth": ["@ferry/db", "@ferry/services"],
  "packages/salesforce": ["@ferry/services"],
  "packages/sync": ["@ferry/db", "@ferry/jobs", "@ferry/observability", "@ferry/realtime", "@ferry/salesforce", "@ferry/services"],
  "packages/api": ["@ferry/auth", "@ferry/db", "@ferry/jobs", "@ferry/observability", "@ferry/realtime", "@ferry/salesforce", "@ferry/services", "@ferry/sync"],
  "apps/worker": ["@ferry/db", "@ferry/jobs", "@ferry/observability", "@ferry/realtime", "@ferry/services", "@ferry/sync"],
  "apps/web": ["@ferry/api", "@ferry/auth", "@ferry/db", "@ferry/jobs", "@ferry/observability", "@ferry/realtime", "@ferry/services", "@ferry/sync"],
};

const WORKSPACE = [...new Set([...Object.values(layers).flat(), ...APPS, EMULATOR])];

/** Entry points besides "." that packages publish (their exports maps name the same ones). */
const ENTRIES = {
  "@ferry/realtime": ["@ferry/realtime/events"],
  "@ferry/worker": ["@ferry/worker/process"],
};
const TEST_ENTRIES = {
  "@ferry/db": ["@ferry/db/testing"],
  "@ferry/jobs": ["@ferry/jobs/testing"],
  "@ferry/sync": ["@ferry/sync/testing"],
  "@ferry/web": ["@ferry/web/testing"],
};
const entriesOf = (names, table) => names.flatMap((name) => table[name] ?? []);
// Tests, benchmarks and dev scripts of a package.
const TEST_FILES = ["**/*.test.ts", "**/*.test.tsx", "**/test/**", "**/testing/**", "**/bench/**", "**/scripts/**"];
/** The embedded demo runs the emulator inside the web process. */
const DEMO_FILES = ["apps/web/src/server/demo-emulator.ts", "apps/web/src/server/salesforce.ts"];

const deepImport = {
  regex: "^@ferry/[^/]+/",
  message: "Import a package's public entry point (its exports map), not a file inside it.",
};
// A relative path into another package or app bypasses the exports map and the layering alike.
const crossPackagePath = {
  regex: "^(\\.\\./)+(packages|apps)/",
  message: "Import the other package by name (@ferry/…), not by a path into its folder.",
};

const escape = (text) => text.replace(/[/.-]/g, "\\$&");

function rule(forbidden, allowedEntries) {
  const paths = forbidden.map((name) => ({ name, message: `${name} is outside this package's layer (packages/config/boundaries.js).` }));
  return [
    "error",
    {
      paths,
      patterns: [
        { ...deepImport, regex: allowedEntries.length ? `^(?!(${allowedEntries.map(escape).join("|")})$)${deepImport.regex.slice(1)}` : deepImport.regex },
        crossPackagePath,
      ],
    },
  ];
}

function forbiddenFor(allowed, extra = []) {
  return WORKSPACE.filter((name) => !allowed.includes(name) && !extra.includes(name));
}

export const boundaries = [
  ...Object.entries(layers).flatMap(([dir, allowed]) => [
    {
      files: [`${dir}/**/*.{ts,tsx,js,mjs}`],
      rules: { "no-restricted-imports": rule(forbiddenFor(allowed), entriesOf(allowed, ENTRIES)) },
    },
    {
      // A package's tests may also start the emulator and use the test helpers of the packages below.
      files: TEST_FILES.map((glob) => `${dir}/${glob}`),
      rules: { "no-restricted-imports": rule(forbiddenFor(allowed, [EMULATOR]), [...entriesOf(allowed, ENTRIES), ...entriesOf(allowed, TEST_ENTRIES)]) },
    },
  ]),
  {
    files: DEMO_FILES,
    rules: { "no-restricted-imports": rule(forbiddenFor(layers["apps/web"], [EMULATOR]), entriesOf(layers["apps/web"], ENTRIES)) },
  },
  {
    // The suites outside the packages drive the whole product: any package, an app only through
    // its published test or process entry.
    files: ["e2e/**/*.ts", "reliability/**/*.ts", "bench/**/*.ts"],
    rules: { "no-restricted-imports": rule(APPS, [...Object.values(ENTRIES).flat(), ...Object.values(TEST_ENTRIES).flat()]) },
  },
  {
    // A package's Vitest config starts from the options every package shares.
    files: ["**/vitest.config.ts"],
    rules: { "no-restricted-imports": rule(WORKSPACE, ["@ferry/config/vitest"]) },
  },
];
