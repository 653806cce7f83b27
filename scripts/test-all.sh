#!/usr/bin/env bash
# Every test, as `npm test` / `pnpm test` runs it (and `.ci/run` after bootstrapping a fresh
# machine). Five lanes side by side from the start, sized for a 2-core machine: most suites spend
# their time waiting (on timers, pg-boss polls, Salesforce bulk jobs, browsers), so what keeps
# both cores busy is running independent suites together, not one after the other:
#   checks:      the real Salesforce CLI (its npm install is network time), typecheck, lint,
#                the fresh-start acceptance; then, after the build, the portal's browser tests
#   unit:        unit and integration of every package but the engine, a file at a time
#   sync:        the engine's suite (packages/sync), a file at a time
#   e2e:         the web and the worker built once, then the browser tests of real syncs (the
#                portal's run in the checks lane, a second Playwright process); then reliability
#                files on that build (bad input, web security, the production runtime, the stream
#                failover, the multi-process run)
#   reliability: after that build, the reliability suite at CI size (one file at a time): crashes,
#                failovers, faults, fuzz and load
# The engine's and the e2e lanes end with reliability files too (the engine's in-process ones there):
# the lanes then end together instead of reliability alone at the end.
# Each task's time is printed at the end, then what each failed task's tests said failed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
STARTED=$(date +%s)
TIMES="$(mktemp "${TMPDIR:-/tmp}/ferry-test-times-XXXXXX")"
BUILT="$TIMES.built"
# Concurrency (overridable): test files per package, packages at a time, Playwright workers.
TEST_FILE_WORKERS="${FERRY_TEST_FILE_WORKERS:-1}"
TEST_PACKAGES="${FERRY_TEST_PACKAGES:-1}"
export FERRY_E2E_WORKERS="${FERRY_E2E_WORKERS:-1}"

# CPU seconds (user + system) of every finished child of this (lane) shell so far: `times` run in
# this shell (in a pipe or $(…) it would count a fresh subshell's children, none). The local
# Postgres's own processes are not children, so their share is not in the figure.
children_cpu() {
  local file="$TIMES.times.$BASHPID"
  times >"$file"
  awk 'END { split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%d\n", u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$file"
  rm -f "$file"
}

# task NAME COMMAND…: runs it, records "NAME seconds exit-code cpu-seconds"; never stops the script.
# Its output is also kept, for the summary of why it failed.
task() {
  local name="$1" started rc cpu cpu_file="$TIMES.cpu.$BASHPID"
  shift
  started=$(date +%s)
  children_cpu >"$cpu_file"
  echo "test: ── $name: $*"
  set +e
  "$@" 2>&1 | tee "$TIMES.log.$name"
  rc=${PIPESTATUS[0]}
  set -e
  children_cpu >>"$cpu_file"
  cpu=$(awk 'NR == 1 { a = $1 } NR == 2 { print $1 - a }' "$cpu_file")
  rm -f "$cpu_file"
  echo "$name $(($(date +%s) - started)) $rc $cpu" >>"$TIMES"
  echo "test: ── $name: $([ "$rc" = 0 ] && echo ok || echo "FAILED ($rc)") in $(($(date +%s) - started)) s"
  return 0
}

# Lane output is prefixed so interleaved lines stay readable.
lane() {
  local label="$1"
  shift
  "$@" 2>&1 | sed -u "s/^/[$label] /"
}

# The suites that run the compiled runtime wait for the one build; "ok" or "failed" in $BUILT.
await_build() {
  while [ ! -s "$BUILT" ]; do sleep 1; done
  [ "$(cat "$BUILT")" = ok ]
}

checks_lane() {
  # The real Salesforce CLI (installed from npm on first use) driven unchanged against the emulator;
  # first, so its download overlaps the other lanes' computing.
  task salesforce-cli pnpm --filter @ferry/salesforce-emulator test:cli
  # Every package's tsconfig, packages with the same compiler options as one program (each file once).
  task typecheck node scripts/typecheck.mjs
  task lint pnpm exec eslint .
  task format pnpm run format:check
  task fresh-start bash scripts/check-fresh-start.sh ${PNPM_CONFIG_STORE_DIR:+--store "$PNPM_CONFIG_STORE_DIR"}
  # The portal's files on the three shared servers of playwright.config.ts (ports 3210–3212).
  e2e_task e2e-portal --project portal
}

# Each file builds its own databases (cloned from a migrated template), emulators and ports.
unit_lane() {
  task unit+integration pnpm turbo run test --concurrency="$TEST_PACKAGES" --continue --filter='!@ferry/e2e' --filter='!@ferry/reliability' --filter='!@ferry/sync' -- --maxWorkers="$TEST_FILE_WORKERS"
}

# The engine's suite is the longest package: a lane of its own, so it starts at once.
sync_lane() {
  task sync-engine pnpm --filter @ferry/sync test --maxWorkers="$TEST_FILE_WORKERS"
  reliability_task reliability-engine "${RELIABILITY_ENGINE_FILES[@]}"
}

# The reliability files run in other lanes, each group once (the rest runs in the reliability lane).
RELIABILITY_ENGINE_FILES=(read-checks salesforce-faults)
RELIABILITY_WEB_FILES=(bad-input web-security production-runtime stream-failover multi-process)
RELIABILITY_ELSEWHERE="test/{$(
  IFS=,
  echo "${RELIABILITY_ENGINE_FILES[*]},${RELIABILITY_WEB_FILES[*]}"
)}.test.ts"

# after_build NAME COMMAND…: a task on the compiled runtime, once the build is done (or recorded as
# unable to run when the build failed).
after_build() {
  if await_build; then
    task "$@"
  else
    echo "test: the build failed; $1 cannot run" >&2
    echo "$1 0 build-failed" >>"$TIMES"
  fi
}

# reliability_task NAME FILE…: those reliability test files at CI size.
reliability_task() {
  local name="$1"
  shift
  after_build "$name" pnpm --filter @ferry/reliability test "${@/%/.test.ts}"
}

# e2e_task NAME PLAYWRIGHT-ARGS…: a Playwright run.
e2e_task() {
  local name="$1"
  shift
  after_build "$name" pnpm --filter @ferry/e2e test "$@"
}

e2e_lane() {
  # The compiled runtime, once: Next's pages + server bundle, the worker bundle (scripts/build.mjs).
  task build pnpm turbo run build
  if grep -Eq "^build [0-9]+ 0 " "$TIMES"; then echo ok >"$BUILT"; else echo failed >"$BUILT"; fi
  # The sync files start servers of their own: none of the shared ones, which the portal's run has.
  FERRY_E2E_SERVERS=off e2e_task e2e-sync --project sync-long --project sync
  reliability_task reliability-web "${RELIABILITY_WEB_FILES[@]}"
}

reliability_lane() {
  after_build reliability pnpm --filter @ferry/reliability test --exclude "$RELIABILITY_ELSEWHERE"
}

pids=()
lane e2e e2e_lane &
pids+=($!)
lane unit unit_lane &
pids+=($!)
lane sync sync_lane &
pids+=($!)
lane checks checks_lane &
pids+=($!)
lane reliability reliability_lane &
pids+=($!)
for pid in "${pids[@]}"; do wait "$pid" || true; done

echo
echo "test: time per task, wall and CPU (load average now $(cut -d' ' -f1-3 /proc/loadavg))"
failed=0
while read -r name seconds rc cpu; do
  printf "  %-18s %5s s  %5s s CPU  %s\n" "$name" "$seconds" "${cpu:-?}" "$([ "$rc" = 0 ] && echo ok || echo "FAILED ($rc)")"
  [ "$rc" = 0 ] || failed=1
done <"$TIMES"
printf "  %-18s %5s s\n" "total (wall)" "$(($(date +%s) - STARTED))"

# The lanes' output interleaves and a CI page may show only its end: the failing tests and their
# first error lines come last, per failed task.
while read -r name seconds rc cpu; do
  [ "$rc" = 0 ] && continue
  echo
  echo "test: why $name failed (its failing tests and error lines; the whole output is above):"
  sed 's/\x1b\[[0-9;]*m//g' "$TIMES.log.$name" 2>/dev/null |
    grep -E '(^|: ) *(FAIL |×|✘|[0-9]+\) )|(Error|Exception)\b|Test timed out|expected .* to |ELIFECYCLE|ERR_' |
    grep -v ' | pass' | awk '!seen[$0]++' | head -40 | sed 's/^/  /' || true
done <"$TIMES"
rm -f "$TIMES" "$BUILT" "$TIMES".log.*
exit "$failed"
