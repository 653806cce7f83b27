#!/usr/bin/env bash
# Every test, as `npm test` / `pnpm test` runs it (and `.ci/run` after bootstrapping a fresh
# machine): the web and the worker built once (e2e and reliability reuse that build), then two
# lanes side by side on a 2-core machine: checks + unit/integration + the fresh-start acceptance,
# and the browser and process suites (e2e, then reliability). Each task's time is printed at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
STARTED=$(date +%s)
TIMES="$(mktemp "${TMPDIR:-/tmp}/ferry-test-times-XXXXXX")"

# task NAME COMMAND…: runs it, records "NAME seconds exit-code"; never stops the script.
task() {
  local name="$1" started rc
  shift
  started=$(date +%s)
  echo "test: ── $name: $*"
  set +e
  "$@"
  rc=$?
  set -e
  echo "$name $(($(date +%s) - started)) $rc" >>"$TIMES"
  echo "test: ── $name: $([ "$rc" = 0 ] && echo ok || echo "FAILED ($rc)") in $(($(date +%s) - started)) s"
  return 0
}

# The compiled runtime, once: Next's pages + server bundle, the worker bundle (scripts/build.mjs).
task build pnpm turbo run build
if grep -Eq "^build .* [1-9][0-9]*$" "$TIMES"; then
  echo "test: the build failed; no suite can run" >&2
  cat "$TIMES" >&2
  exit 1
fi

# Lane output is prefixed so interleaved lines stay readable.
lane() {
  local label="$1"
  shift
  "$@" 2>&1 | sed -u "s/^/[$label] /"
}

checks_lane() {
  task typecheck pnpm turbo run typecheck --concurrency=2 --continue
  task lint pnpm exec eslint .
  task format pnpm run format:check
  # Integration suites hold Postgres and PGlite: one package at a time beside the other lane.
  task unit+integration pnpm turbo run test --concurrency=1 --continue --filter='!@ferry/e2e' --filter='!@ferry/reliability'
  task fresh-start bash scripts/check-fresh-start.sh --store "$PNPM_CONFIG_STORE_DIR"
  # The real Salesforce CLI (installed from npm on first use) driven unchanged against the emulator.
  task salesforce-cli pnpm --filter @ferry/salesforce-emulator test:cli
}

process_lane() {
  # Chromium and several Ferry processes each; one after the other, beside the checks lane.
  task e2e pnpm --filter @ferry/e2e test
  task reliability pnpm --filter @ferry/reliability test
}

lane checks checks_lane &
checks_pid=$!
lane processes process_lane &
processes_pid=$!
wait "$checks_pid" || true
wait "$processes_pid" || true

echo
echo "test: time per task (load average now $(cut -d' ' -f1-3 /proc/loadavg))"
failed=0
while read -r name seconds rc; do
  printf "  %-18s %5s s  %s\n" "$name" "$seconds" "$([ "$rc" = 0 ] && echo ok || echo "FAILED ($rc)")"
  [ "$rc" = 0 ] || failed=1
done <"$TIMES"
printf "  %-18s %5s s\n" "total (wall)" "$(($(date +%s) - STARTED))"
rm -f "$TIMES"
exit "$failed"
