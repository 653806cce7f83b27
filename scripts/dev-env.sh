# Sourced by .ci/run and by developers: Node 24, pnpm, and tool state kept inside the repo.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export npm_config_cache="$ROOT/.tools/npm-cache"
NODE_TOOLS_DIR="$ROOT/.tools/node-${NODE_PKG_VERSION:-24.22.3}" . "$ROOT/scripts/ensure-node24.sh" || return 1
PNPM_VERSION="${PNPM_VERSION:-12.4.2}"
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm -v 2>/dev/null)" != "$PNPM_VERSION" ]; then
  if [ -z "${NPM_CONFIG_PREFIX:-}" ]; then
    export NPM_CONFIG_PREFIX="$ROOT/.tools/global"
    mkdir -p "$NPM_CONFIG_PREFIX/bin" && export PATH="$NPM_CONFIG_PREFIX/bin:$PATH"
  fi
  npm install -g --no-audit --no-fund "pnpm@$PNPM_VERSION" >&2 || return 1
  hash -r
fi
export PNPM_CONFIG_STORE_DIR="${PNPM_CONFIG_STORE_DIR:-$ROOT/.tools/pnpm-store}"
export PNPM_CONFIG_UPDATE_NOTIFIER=false
export TURBO_TELEMETRY_DISABLED=1 NEXT_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
