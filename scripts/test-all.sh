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
pnpm turbo run test --concurrency=1
pnpm -r --if-present run test:deno

echo "[test-all] done in $(( $(date +%s) - started )) s"
