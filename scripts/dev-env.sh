# Sourced by .ci/run, scripts/ferry.sh (npm start / npm test) and developers: Node 24, pnpm, and
# tool state kept inside the repo (.tools/), fetched from the npm registry when missing.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export npm_config_cache="$ROOT/.tools/npm-cache" npm_config_update_notifier=false
NODE_TOOLS_DIR="$ROOT/.tools/node-${NODE_PKG_VERSION:-24.22.3}" . "$ROOT/scripts/ensure-node24.sh" || return 1
PNPM_VERSION="${PNPM_VERSION:-12.4.2}"
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm -v 2>/dev/null)" != "$PNPM_VERSION" ]; then
  # Its own prefix, whatever npm's global prefix is (an empty or foreign NPM_CONFIG_PREFIX included).
  PNPM_HOME_DIR="$ROOT/.tools/pnpm-$PNPM_VERSION"
  if [ ! -x "$PNPM_HOME_DIR/bin/pnpm" ] || [ "$("$PNPM_HOME_DIR/bin/pnpm" -v 2>/dev/null)" != "$PNPM_VERSION" ]; then
    echo "fetching pnpm@$PNPM_VERSION from the npm registry into $PNPM_HOME_DIR" >&2
    npm install -g --prefix "$PNPM_HOME_DIR" --no-audit --no-fund "pnpm@$PNPM_VERSION" >&2 || return 1
  fi
  export PATH="$PNPM_HOME_DIR/bin:$PATH"
  hash -r
fi
export PNPM_CONFIG_STORE_DIR="${PNPM_CONFIG_STORE_DIR:-$ROOT/.tools/pnpm-store}"
export PNPM_CONFIG_UPDATE_NOTIFIER=false
export TURBO_TELEMETRY_DISABLED=1 NEXT_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
