#!/usr/bin/env bash
# The ehr-sync test bed: PostgreSQL 15 + pg_cron + the pg_net stand-in and its sender, Deno, a real
# EHRbase, and Debian's Chromium (for the dashboard's browser tests).
#
#   bash scripts/testbed.sh up       install what is missing, start what is stopped (idempotent)
#   bash scripts/testbed.sh down     stop EHRbase and the pg_net stand-in's sender (PostgreSQL keeps running)
#   bash scripts/testbed.sh status   say what is running, exit 1 if anything is missing
#   bash scripts/testbed.sh env      print the environment variables the tests read
#
# Everything downloaded or built lives in $EHR_SYNC_CACHE (default ~/.cache/ehr-sync), never in git.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${EHR_SYNC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ehr-sync}"
RUN_DIR="$CACHE/run"
EHRBASE_VERSION=2.16.0
EHRBASE_JAR="$CACHE/ehrbase-$EHRBASE_VERSION.jar"
EHRBASE_PORT="${EHRBASE_PORT:-8085}"
EHRBASE_USER="${EHRBASE_USER:-ehrbase-user}"
EHRBASE_PASSWORD="${EHRBASE_PASSWORD:-SuperSecretPassword}"
EHRBASE_ADMIN_USER="${EHRBASE_ADMIN_USER:-ehrbase-admin}"
EHRBASE_ADMIN_PASSWORD="${EHRBASE_ADMIN_PASSWORD:-EvenMoreSecretPassword}"
EHRBASE_URL="http://127.0.0.1:$EHRBASE_PORT/ehrbase"
PG_HOST=127.0.0.1
PG_PORT=5432
DATABASE_URL="${DATABASE_URL:-postgres://postgres:postgres@$PG_HOST:$PG_PORT/postgres}"

log() { printf '[testbed] %s\n' "$*" >&2; }
die() { printf '[testbed] ERROR: %s\n' "$*" >&2; exit 1; }

as_postgres_psql() { PGOPTIONS="-c client_min_messages=warning" runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# ---------------------------------------------------------------- PostgreSQL 15 + pg_cron + plpython3u
postgres_up() {
  export DEBIAN_FRONTEND=noninteractive
  local need=() p
  for p in postgresql-15 postgresql-15-cron postgresql-plpython3-15; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
  done
  if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]} from Debian's packages"
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  pg_lsclusters -h | awk '$1==15 && $2=="main"' | grep -q . || pg_createcluster 15 main >/dev/null

  local conf=/etc/postgresql/15/main/conf.d/90-ehr-sync-pg_cron.conf
  local want
  want=$'# written by ehr-sync scripts/testbed.sh\nshared_preload_libraries = \'pg_cron\'\ncron.database_name = \'postgres\'\ncron.use_background_workers = on\nmax_worker_processes = 32\nmax_connections = 200\n'
  local changed=0
  if [ "$(cat "$conf" 2>/dev/null)" != "${want%$'\n'}" ]; then
    printf '%s' "$want" >"$conf"
    changed=1
  fi

  if pg_lsclusters -h | awk '$1==15 && $2=="main" {print $4}' | grep -q online; then
    # Restart only when the running server has not loaded what we configured (keeps a second run quick).
    local loaded
    loaded=$(as_postgres_psql -At -d postgres -c "show shared_preload_libraries" 2>/dev/null || true)
    if [ "$changed" = 1 ] || [[ "$loaded" != *pg_cron* ]]; then
      log "restarting PostgreSQL 15 to load pg_cron"
      pg_ctlcluster --skip-systemctl-redirect 15 main restart
    fi
  else
    log "starting PostgreSQL 15"
    pg_ctlcluster --skip-systemctl-redirect 15 main start
  fi
  local i
  for i in $(seq 1 60); do pg_isready -q -h "$PG_HOST" -p "$PG_PORT" && break; sleep 0.5; done
  pg_isready -q -h "$PG_HOST" -p "$PG_PORT" || die "PostgreSQL did not come up on $PG_HOST:$PG_PORT"

  as_postgres_psql -d postgres -c "ALTER USER postgres PASSWORD 'postgres'" \
    -c "CREATE EXTENSION IF NOT EXISTS pg_cron" -c "CREATE EXTENSION IF NOT EXISTS plpython3u"
  # Where the real pg_net is preloaded, its worker serves `postgres`: use it there; elsewhere the stand-in.
  local preloaded
  preloaded=$(as_postgres_psql -At -d postgres -c "show shared_preload_libraries")
  if [[ "$preloaded" == *pg_net* ]] && [ -z "$(as_postgres_psql -At -d postgres -c "select 1 from pg_namespace where nspname = 'net'")" ]; then
    as_postgres_psql -d postgres -c "CREATE EXTENSION IF NOT EXISTS pg_net"
  else
    as_postgres_psql -d postgres -f "$ROOT/testbed/sql/net-http-post-standin.sql" >/dev/null
  fi
  as_postgres_psql -d postgres -f "$ROOT/testbed/sql/supabase-standins.sql" >/dev/null
  as_postgres_psql -d postgres -f "$ROOT/testbed/sql/ehrbase-db.sql" >/dev/null
}

postgres_status() {
  if pg_isready -q -h "$PG_HOST" -p "$PG_PORT" 2>/dev/null; then
    local cron
    cron=$(as_postgres_psql -At -d postgres -c "select extversion from pg_extension where extname='pg_cron'" 2>/dev/null || true)
    echo "postgres   up     $PG_HOST:$PG_PORT (pg_cron ${cron:-MISSING})"
    [ -n "$cron" ]
  else
    echo "postgres   DOWN   start it with: bash scripts/testbed.sh up"
    return 1
  fi
}

# ---------------------------------------------------------------- the pg_net stand-in's sender
# testbed/sql/net-http-post-standin.sql queues requests like pg_net; this process sends them after
# commit, like pg_net's worker, for every database the stand-in was applied to. One per machine.
SENDER_JS="$ROOT/testbed/pg-net-standin/sender.mjs"
SENDER_PID="$RUN_DIR/pg-net-standin.pid"

sender_pid() {
  local pid
  pid=$(cat "$SENDER_PID" 2>/dev/null) || return 1
  kill -0 "$pid" 2>/dev/null && grep -q 'sender.mjs' "/proc/$pid/cmdline" 2>/dev/null && echo "$pid"
}

sender_up() {
  [ -d "$ROOT/tools/testkit/node_modules/pg" ] || die "the pg_net stand-in's sender needs the workspace installed: pnpm install"
  local key pid
  key=$(sha256sum "$SENDER_JS" | cut -c1-16)
  if pid=$(sender_pid); then
    if [ "$(cat "$SENDER_PID.key" 2>/dev/null)" = "$key" ]; then
      return 0
    fi
    log "restarting the pg_net stand-in's sender (its source changed)"
    kill "$pid" 2>/dev/null || true
    local i
    for i in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  mkdir -p "$RUN_DIR"
  DATABASE_URL="postgres://postgres:postgres@$PG_HOST:$PG_PORT/postgres" \
    nohup node "$SENDER_JS" >>"$RUN_DIR/pg-net-standin.log" 2>&1 </dev/null &
  echo $! >"$SENDER_PID"
  echo "$key" >"$SENDER_PID.key"
  sleep 0.3
  sender_pid >/dev/null || { tail -n 20 "$RUN_DIR/pg-net-standin.log" >&2; die "the pg_net stand-in's sender exited (log: $RUN_DIR/pg-net-standin.log)"; }
  log "pg_net stand-in sender started (log: $RUN_DIR/pg-net-standin.log)"
}

sender_down() {
  local pid
  if pid=$(sender_pid); then
    kill "$pid"
    log "pg_net stand-in sender stopped"
  fi
  rm -f "$SENDER_PID" "$SENDER_PID.key"
}

sender_status() {
  local pid n
  if pid=$(sender_pid); then
    n=$(as_postgres_psql -At -d postgres -c \
      "select count(*) from pg_stat_activity where application_name = 'pg_net stand-in'" 2>/dev/null || echo '?')
    echo "pg_net     up     stand-in sender pid $pid, serving $n database(s)"
  else
    echo "pg_net     DOWN   the stand-in's sender is not running; start it with: bash scripts/testbed.sh up"
    return 1
  fi
}

# ---------------------------------------------------------------- Deno (npm package `deno`, pinned in package.json)
deno_status() {
  local v
  if v=$(cd "$ROOT" && pnpm exec deno --version 2>/dev/null | head -n1); then
    echo "deno       ok     $v"
  else
    echo "deno       MISSING  run: pnpm install (deno is a pinned devDependency)"
    return 1
  fi
}

# ---------------------------------------------------------------- Chromium (Debian's package; the dashboard's browser tests)
chromium_up() {
  dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q 'install ok installed' && return 0
  log "installing chromium from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
}

chromium_status() {
  if [ -x /usr/bin/chromium ]; then
    echo "chromium   ok     $(dpkg-query -W -f='${Version}' chromium 2>/dev/null)"
  else
    echo "chromium   MISSING  install it with: bash scripts/testbed.sh up"
    return 1
  fi
}

# ---------------------------------------------------------------- EHRbase
find_jdk() {
  local j
  for j in "${EHRBASE_JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-21-jdk-amd64 /usr/lib/jvm/temurin-*; do
    [ -n "$j" ] && [ -x "$j/bin/java" ] && { echo "$j"; return 0; }
  done
  return 1
}

ehrbase_jar() {
  # The cache key is the launcher's own sources: a change to them rebuilds, anything else reuses the jar.
  local key
  key=$(cat "$ROOT/testbed/ehrbase/pom.xml" "$ROOT"/testbed/ehrbase/src/main/java/dev/ehrsync/testbed/*.java | sha256sum | cut -c1-16)
  if [ -f "$EHRBASE_JAR" ] && [ "$(cat "$EHRBASE_JAR.key" 2>/dev/null)" = "$key" ]; then
    return 0
  fi
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch EHRbase from Maven Central: apt-get install maven"
  log "fetching EHRbase $EHRBASE_VERSION modules from Maven Central and packaging the server jar (first run only)"
  mkdir -p "$CACHE"
  JAVA_HOME="$JDK" mvn -B -q -f "$ROOT/testbed/ehrbase/pom.xml" -DskipTests -Denforcer.skip=true \
    "-Dehrsync.buildDir=$CACHE/ehrbase-build" package >"$CACHE/ehrbase-build.log" 2>&1 ||
    { tail -n 40 "$CACHE/ehrbase-build.log" >&2; die "building the EHRbase launcher failed (log: $CACHE/ehrbase-build.log)"; }
  cp "$CACHE/ehrbase-build/ehrbase-$EHRBASE_VERSION.jar" "$EHRBASE_JAR"
  echo "$key" >"$EHRBASE_JAR.key"
}

ehrbase_answers() {
  curl -s -o /dev/null -w '%{http_code}' -m 5 -u "$EHRBASE_USER:$EHRBASE_PASSWORD" "$EHRBASE_URL/rest/status" 2>/dev/null | grep -q '^200$'
}

ehrbase_pid() {
  local pid
  pid=$(cat "$RUN_DIR/ehrbase.pid" 2>/dev/null) || return 1
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

ehrbase_up() {
  if ehrbase_answers; then
    log "EHRbase already answering at $EHRBASE_URL (reusing it)"
    return 0
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$EHRBASE_PORT") 2>/dev/null; then
    die "port $EHRBASE_PORT is taken by something that is not EHRbase; set EHRBASE_PORT to a free port"
  fi
  JDK=$(find_jdk) || die "no Temurin JDK (21+) under /usr/lib/jvm; EHRbase 2.x does not run on Debian's Java 17. Set EHRBASE_JAVA_HOME."
  ehrbase_jar
  mkdir -p "$RUN_DIR"
  local t0 t1
  t0=$(date +%s.%N)
  # BASIC auth with EHRbase's documented users; the runtime connects as the restricted role,
  # Flyway migrates as the owner (both created by testbed/sql/ehrbase-db.sql).
  nohup "$JDK/bin/java" -Xms256m -Xmx1g -XX:+UseSerialGC -jar "$EHRBASE_JAR" \
    --server.port="$EHRBASE_PORT" --server.address=127.0.0.1 \
    --spring.profiles.active=local \
    --spring.datasource.url="jdbc:postgresql://$PG_HOST:$PG_PORT/ehrbase" \
    --spring.datasource.username=ehrbase_restricted --spring.datasource.password=ehrbase_restricted \
    --spring.flyway.user=ehrbase --spring.flyway.password=ehrbase \
    --security.authType=BASIC \
    --security.authUser="$EHRBASE_USER" --security.authPassword="$EHRBASE_PASSWORD" \
    --security.authAdminUser="$EHRBASE_ADMIN_USER" --security.authAdminPassword="$EHRBASE_ADMIN_PASSWORD" \
    --admin-api.active=true --admin-api.allowDeleteAll=false \
    --server.nodename=local.ehrbase.org \
    >"$RUN_DIR/ehrbase.log" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/ehrbase.pid"
  local i
  for i in $(seq 1 360); do
    ehrbase_answers && break
    kill -0 "$(cat "$RUN_DIR/ehrbase.pid")" 2>/dev/null ||
      { tail -n 40 "$RUN_DIR/ehrbase.log" >&2; die "EHRbase exited during startup (log: $RUN_DIR/ehrbase.log)"; }
    sleep 0.5
  done
  ehrbase_answers || die "EHRbase did not answer within 180 s (log: $RUN_DIR/ehrbase.log)"
  t1=$(date +%s.%N)
  local version
  version=$(curl -s -m 5 -u "$EHRBASE_USER:$EHRBASE_PASSWORD" -H 'Accept: application/json' "$EHRBASE_URL/rest/status" |
    sed -n 's/.*"ehrbase_version" *: *"\([^"]*\)".*/\1/p')
  log "EHRbase ${version:-?} up at $EHRBASE_URL in $(awk "BEGIN{printf \"%.1f\", $t1-$t0}") s (JDK: $JDK)"
}

ehrbase_down() {
  local pid
  if pid=$(ehrbase_pid); then
    kill "$pid"
    local i
    for i in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    log "EHRbase stopped"
  else
    log "EHRbase was not running (from this test bed)"
  fi
  rm -f "$RUN_DIR/ehrbase.pid"
}

ehrbase_status() {
  if ehrbase_answers; then
    echo "ehrbase    up     $EHRBASE_URL (user $EHRBASE_USER)"
  else
    echo "ehrbase    DOWN   expected at $EHRBASE_URL; start it with: bash scripts/testbed.sh up"
    return 1
  fi
}

print_env() {
  cat <<EOF
export DATABASE_URL=$DATABASE_URL
export EHRBASE_URL=$EHRBASE_URL
export EHRBASE_USER=$EHRBASE_USER
export EHRBASE_PASSWORD=$EHRBASE_PASSWORD
export EHRBASE_ADMIN_USER=$EHRBASE_ADMIN_USER
export EHRBASE_ADMIN_PASSWORD=$EHRBASE_ADMIN_PASSWORD
EOF
}

case "${1:-status}" in
  up)
    [ "$(id -u)" = 0 ] || die "the test bed installs Debian packages and manages PostgreSQL: run it as root"
    postgres_up
    chromium_up
    sender_up
    ehrbase_up
    echo "Test bed is up:"
    echo "  PostgreSQL  $DATABASE_URL   (pg_cron, plpython3u, pg_net stand-in + sender)"
    echo "  EHRbase     $EHRBASE_URL/rest/openehr/v1   BASIC $EHRBASE_USER / $EHRBASE_PASSWORD"
    echo "              admin: $EHRBASE_ADMIN_USER / $EHRBASE_ADMIN_PASSWORD   log: $RUN_DIR/ehrbase.log"
    echo "  Chromium    /usr/bin/chromium (headless, for the dashboard tests)"
    ;;
  down)
    ehrbase_down
    sender_down
    ;;
  status)
    rc=0
    postgres_status || rc=1
    sender_status || rc=1
    ehrbase_status || rc=1
    deno_status || rc=1
    chromium_status || rc=1
    exit $rc
    ;;
  env) print_env ;;
  *) die "usage: testbed.sh up|down|status|env" ;;
esac
