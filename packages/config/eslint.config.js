import js from "@eslint/js";
import tseslint from "typescript-eslint";
import { boundaries } from "./boundaries.js";
import { syncStateOwner } from "./sync-state.js";

/** Shared lint rules: correctness over taste; formatting is left to the editor. */
export const ferryLint = tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "**/.next/**",
      "**/dist/**",
      "**/.tools/**",
      "**/.data/**",
      "**/drizzle/**",
      "**/next-env.d.ts",
      "**/test-results/**",
      "**/playwright-report/**",
      "bench/results/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: "module" },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports", disallowTypeAnnotations: false }],
      "no-console": ["error", { allow: ["warn", "error"] }],
      eqeqeq: ["error", "smart"],
    },
  },
  {
    // Plain JavaScript run by Node before anything is built (scripts/build.mjs, scripts/launch.mjs).
    files: ["**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } },
  },
  {
    files: ["**/*.test.ts", "**/test/**", "e2e/**", "bench/**", "**/bench/**", "**/cli.ts", "**/scripts/**"],
    rules: { "no-console": "off" },
  },
  ...boundaries,
  ...syncStateOwner,
);

export default ferryLint;
