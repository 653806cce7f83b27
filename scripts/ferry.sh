#!/usr/bin/env bash
# `npm start` / `npm test` (and the same through pnpm) on a machine that has only Node >= 20 and npm:
# scripts/dev-env.sh fetches Node 24 and the pinned pnpm from the npm registry into .tools/ when
# they are missing, the workspace is installed from the lockfile, then the portal starts (building
# only what changed) or every test runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
case "${1:-}" in
  start | test) ;;
  *) echo "usage: scripts/ferry.sh start|test" >&2; exit 2 ;;
esac
. scripts/dev-env.sh || { echo "ferry: could not fetch Node 24 / pnpm (is the npm registry reachable?)" >&2; exit 1; }
# Installed already when no manifest or lockfile changed since this script's last install.
installed="node_modules/.ferry-installed"
if [ ! -f "$installed" ] || [ ! -f node_modules/.modules.yaml ] || [ -n "$(find pnpm-lock.yaml pnpm-workspace.yaml package.json apps/*/package.json packages/*/package.json e2e/package.json bench/package.json reliability/package.json -newer "$installed" 2>/dev/null | head -n1)" ]; then
  echo "ferry: installing dependencies (pnpm install --frozen-lockfile)…" >&2
  pnpm install --frozen-lockfile
  touch "$installed"
fi
case "$1" in
  start)
    node scripts/build.mjs web
    # Fewer glibc malloc arenas: the same work in far less resident memory (as in the Dockerfile).
    MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" exec node scripts/launch.mjs web
    ;;
  test)
    exec bash scripts/test-all.sh
    ;;
esac
