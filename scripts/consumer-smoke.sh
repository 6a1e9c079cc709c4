#!/usr/bin/env bash
# The packages as an app developer gets them: pack every package, install the tarballs into a fresh app
# with npm (no workspace links), then check ESM, CommonJS, TypeScript (nodenext and bundler,
# skipLibCheck: false), the mixed ESM/CJS hand-off, Deno importing the installed packages, the CLI via
# `npx -p`, publint, arethetypeswrong, and that every README code block type-checks. Needs built dist/
# folders (pnpm turbo run build) and the npm registry (or npm's cache) for the third-party dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
here="$root/scripts/consumer-smoke"
packages=(core ehrbase-client adapter-node adapter-supabase)
work=$(mktemp -d "${TMPDIR:-/tmp}/ehr-sync-consumer.XXXXXX")
trap 'rm -rf "$work"' EXIT
step() { echo "[consumer-smoke] $(($(date +%s) - started)) s: $*"; }
fail() { echo "[consumer-smoke] FAIL: $*" >&2; exit 1; }
started=$(date +%s)

step "packing ${packages[*]}"
mkdir -p "$work/tarballs" "$work/app"
for p in "${packages[@]}"; do
  (cd "packages/$p" && pnpm pack --pack-destination "$work/tarballs" >/dev/null)
done
tarballs=("$work"/tarballs/*.tgz)
[ "${#tarballs[@]}" = "${#packages[@]}" ] || fail "expected ${#packages[@]} tarballs, got ${#tarballs[@]}"

step "tarball contents, publint, arethetypeswrong"
for t in "${tarballs[@]}"; do
  list=$(tar tzf "$t")
  for f in package/LICENSE package/README.md package/package.json; do
    grep -qx "$f" <<<"$list" || fail "$(basename "$t") lacks ${f#package/}"
  done
  if grep -qE '^package/(src|test)/' <<<"$list"; then fail "$(basename "$t") ships src/ or test/"; fi
  # Relative README links must resolve inside the tarball (the registry page shows this README).
  links=$(tar xzf "$t" -O package/README.md | { grep -oE '\]\([^)#]+\)' || true; } | sed -E 's/^\]\((.*)\)$/\1/')
  for link in $links; do
    case "$link" in http://* | https://*) continue ;; esac
    grep -qx "package/${link#./}" <<<"$list" || fail "$(basename "$t"): README link $link is not in the package"
  done
  (cd "$work" && "$root/node_modules/.bin/publint" run --strict "$t" >"$work/publint.log" 2>&1) ||
    { cat "$work/publint.log"; fail "publint: $(basename "$t")"; }
  "$root/node_modules/.bin/attw" "$t" --format ascii --no-emoji >"$work/attw.log" 2>&1 ||
    { cat "$work/attw.log"; fail "arethetypeswrong: $(basename "$t")"; }
done
core_list=$(tar tzf "$work"/tarballs/ehr-sync-core-*.tgz)
grep -qx package/templates/ATTRIBUTION.md <<<"$core_list" || fail "core does not ship templates/ATTRIBUTION.md"

step "npm install of the tarballs into a fresh app"
cd "$work/app"
ts_version=$(node -p "require('$root/node_modules/typescript/package.json').version")
types_node=$(node -p "require('$root/node_modules/@types/node/package.json').version")
echo '{ "name": "consumer-app", "private": true }' >package.json
npm install --no-audit --no-fund --loglevel=error --prefer-offline "${tarballs[@]}" "typescript@$ts_version" "@types/node@$types_node" >/dev/null
for p in "${packages[@]}"; do
  [ -f "node_modules/@ehr-sync/$p/package.json" ] && [ ! -L "node_modules/@ehr-sync/$p" ] ||
    fail "@ehr-sync/$p is not installed from its tarball"
done
cp "$here"/*.mjs "$here"/*.cjs "$here"/*.mts "$here"/*.cts "$here"/deno.ts "$here"/note.json .

step "ESM, CommonJS and the mixed ESM/CJS hand-off"
export EHR_SYNC_LOG_LEVEL=warn
node esm.mjs
node cjs.cjs
node mixed.cjs
node mixed.mjs

step "TypeScript (skipLibCheck: false): nodenext and bundler, and every README code block"
node readme-blocks.mjs "$PWD" "${packages[@]}"
cat >tsconfig.nodenext.json <<'JSON'
{ "compilerOptions": { "module": "nodenext", "moduleResolution": "nodenext", "target": "es2022", "lib": ["es2023"],
  "types": ["node"], "strict": true, "skipLibCheck": false, "noEmit": true, "allowJs": true, "checkJs": true },
  "files": ["types.mts", "types.cts"], "include": ["readme/node"] }
JSON
cat >tsconfig.bundler.json <<'JSON'
{ "compilerOptions": { "module": "esnext", "moduleResolution": "bundler", "target": "es2022",
  "lib": ["es2023", "dom"], "types": ["node"], "strict": true, "skipLibCheck": false, "noEmit": true },
  "files": ["types.mts"] }
JSON
npx tsc -p tsconfig.nodenext.json || fail "TypeScript (nodenext) rejects the packages or a README block"
npx tsc -p tsconfig.bundler.json || fail "TypeScript (bundler) rejects the packages"

step "Deno importing the installed packages"
deno="$root/node_modules/.bin/deno"
"$deno" run --quiet --allow-read --allow-env deno.ts
if [ -d readme/deno ]; then "$deno" check --quiet readme/deno/*.ts; fi

step "npx -p @ehr-sync/adapter-node ehr-sync"
npx -p @ehr-sync/adapter-node ehr-sync --help | grep -q "usage: ehr-sync" || fail "ehr-sync --help"
version=$(npx -p @ehr-sync/adapter-node ehr-sync --version)
expected=$(node -p "require('@ehr-sync/adapter-node/package.json').version")
[ "$version" = "$expected" ] || fail "ehr-sync --version printed '$version', expected $expected"

step "passed in $(($(date +%s) - started)) s"
