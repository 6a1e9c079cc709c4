#!/usr/bin/env bash
# The whole test suite on a fresh machine of this kind, with nothing installed beforehand.
# Installs pnpm and the workspace, brings up the test bed (PostgreSQL 15 + pg_cron, Deno, a real
# EHRbase), then builds, lints, type-checks and tests every package. EHRbase is stopped at the end
# if this run started it; a bed that was already running is reused and left running.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 CI="${CI:-true}"
PNPM_VERSION=10.34.8
started=$(date +%s)

if ! command -v pnpm >/dev/null || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  echo "[test-all] installing pnpm $PNPM_VERSION"
  npm install -g --silent "pnpm@$PNPM_VERSION"
fi
pnpm install --frozen-lockfile

bed_was_up=0
bash scripts/testbed.sh status >/dev/null 2>&1 && bed_was_up=1
bash scripts/testbed.sh up
if [ "$bed_was_up" = 0 ]; then
  trap 'bash scripts/testbed.sh down' EXIT
fi
eval "$(bash scripts/testbed.sh env)"

pnpm turbo run build
pnpm lint
pnpm turbo run typecheck
log=$(mktemp)
pnpm turbo run test --concurrency=1 2>&1 | tee "$log"
pnpm -r --if-present run test:deno 2>&1 | tee -a "$log"

# Node 22 as well: the suites of core, ehrbase-client and adapter-node again (issue 15).
bash scripts/node22.sh 2>&1 | tee -a "$log"
# The packed packages in a fresh npm app: ESM, CJS, TypeScript, Deno, npx, publint, attw, READMEs.
bash scripts/consumer-smoke.sh
# Tests needing ../shared/fixtures are skipped (and counted) in a plain clone; in CI none may be.
skipped=$(bash scripts/fixture-skips.sh "$log")

# One closing line for CI: vitest's "Tests  N passed" and Deno's "ok | N passed" summed up. Any
# failure has already stopped the script (pipefail), so what is left to report is what passed.
passed=$(sed 's/\x1b\[[0-9;]*m//g' "$log" |
  grep -oE '(Tests +[0-9]+ passed|ok \| [0-9]+ passed)' | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}')
rm -f "$log"
echo "[test-all] done in $(( $(date +%s) - started )) s"
echo "ehr-sync: $passed passed, 0 failed${skipped:+, $skipped}"
