#!/usr/bin/env bash
# Reads a test log (vitest and Deno output) and prints how many tests were skipped for want of the
# openEHR fixture corpus, and why, e.g. "59 skipped (no ../shared/fixtures …)"; prints nothing when none
# were. Fails when any was skipped in CI with ../shared beside the repository: there every test must run.
# The repository has no .skip/.todo, so every skipped (vitest) or ignored (Deno) test is a fixture test.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$1
skipped=$(sed 's/\x1b\[[0-9;]*m//g' "$log" |
  { grep -oE '(Tests +([0-9]+ passed \| )?[0-9]+ skipped|ok \| [0-9]+ passed \| [0-9]+ failed \| [0-9]+ ignored)' || true; } |
  { grep -oE '[0-9]+ (skipped|ignored)' || true; } | awk '{s+=$1} END {print s+0}')
[ "$skipped" -gt 0 ] || exit 0
fixtures="${EHR_SYNC_FIXTURES:-$(dirname "$PWD")/shared/fixtures}"
if [ -n "${EHR_SYNC_FIXTURES:-}" ] || { [ "${CI:-}" = true ] && [ -d ../shared ]; }; then
  echo "[fixture-skips] FAIL: $skipped test(s) skipped although every fixture test must run here (fixtures: $fixtures)" >&2
  exit 1
fi
echo "[fixture-skips] $skipped test(s) skipped: the openEHR fixture corpus is not at $fixtures (outside the repository)" >&2
echo "$skipped skipped (no fixture corpus at $fixtures)"
