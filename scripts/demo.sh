#!/usr/bin/env bash
# The README's second command: bring up the test bed, build, and run the end-to-end demo
# (DEMO_NOTES signed notes → EHRbase through the Node worker, with a table and figures at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v pnpm >/dev/null || npm install -g pnpm@10.34.8
[ -d node_modules ] || pnpm install --frozen-lockfile
bash scripts/testbed.sh up
pnpm exec turbo run build --filter=@ehr-sync/adapter-node...
pnpm --filter @ehr-sync/example-node-worker demo
