import type { NextConfig } from "next";

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // A build of one's own beside the shared .next (parallel work on one checkout); the server reads the same variable.
  distDir: process.env.FERRY_NEXT_DIST_DIR || ".next",
  // Internal packages ship TypeScript source.
  transpilePackages: [
    "@ferry/api",
    "@ferry/auth",
    "@ferry/db",
    "@ferry/services",
    "@ferry/realtime",
    "@ferry/observability",
    "@ferry/salesforce-emulator",
    "@ferry/jobs",
    "@ferry/salesforce",
    "@ferry/sync",
  ],
  // Native or process-level server libraries stay out of the bundle and load from node_modules.
  serverExternalPackages: [
    "@electric-sql/pglite",
    "postgres",
    "pg",
    "pg-boss",
    "jsforce",
    "pino",
    "pino-pretty",
    "prom-client",
    "socket.io",
    "@socket.io/postgres-adapter",
    "@socket.io/postgres-emitter",
  ],
  typedRoutes: false,
  // `pnpm typecheck` checks types; the build (and so `pnpm start`) does not check them again.
  typescript: { ignoreBuildErrors: true },
};

export default config;
