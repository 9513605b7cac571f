#!/usr/bin/env bash
# The stack the integration tests talk to: PostgreSQL and Redis on free ports in a temporary
# directory, the four services, two probe services (tests only) and the gateway.
#   stack.sh start DIR BIN_DIR      start everything, write DIR/stack.env
#   stack.sh stop DIR [BIN_DIR]     stop everything started here
#   stack.sh kill DIR NAME [SIGNAL] stop one process (default TERM) and wait for it
#   stack.sh restart DIR NAME       start one process again with the environment it had
#   stack.sh redis-stop DIR | redis-start DIR
#   stack.sh pg-crash DIR | pg-start DIR    stop PostgreSQL as a crash would (immediate), start it
# STACK_DURABLE=1 starts PostgreSQL as a deployment runs it (fsync and synchronous_commit on):
# the stack of the tests that claim no acknowledged write is lost. Without it the stack trades
# that for speed (a commit is acknowledged before its WAL is written). STACK_DB_POOL_SIZE (4) and
# STACK_RETENTION_CHECK_SECONDS (1: tests see retention at once) set the services' own.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
. "$src/scripts/lib.sh"

cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: stack.sh start|stop|kill|restart|redis-stop|redis-start DIR ..."

envfile="$dir/stack.env"
getenv() { grep "^$1=" "$envfile" | head -1 | cut -d= -f2-; }

# Starts NAME from its saved environment DIR/envs/NAME.env (binary path on the first line).
launch() { # name
  local f="$dir/envs/$1.env" bin
  bin=$(head -1 "$f")
  mapfile -t vars < <(tail -n +2 "$f")
  start_process "$1" "$dir/pids" "$dir/logs" "$bin" "${vars[@]}"
}

save_env() { # name binary env...
  local name=$1; shift
  mkdir -p "$dir/envs"
  printf '%s\n' "$@" > "$dir/envs/$name.env"
}

# 0 once name answers at url and is still alive (another program on its port answers too: a
# port chosen free may be taken before the service binds it), 1 after printing its log.
ready() { # name url
  local pid; pid=$(cat "$dir/pids/$1.pid")
  wait_http "$2/healthz" "$pid" 300 && kill -0 "$pid" 2>/dev/null && return 0
  echo "--- $1 log" >&2; tail -30 "$dir/logs/$1.log" >&2
  return 1
}

wait_ready() { ready "$@" || die "$1 did not start"; }

case "$cmd" in
start)
  bin=${3:?BIN_DIR}
  # once more, on other free ports: a port found free was taken before its server bound it
  start_again() {
    local try=${STACK_START_TRY:-1}
    [ "$try" -ge 3 ] && die "the stack did not start"
    echo "the stack did not start; again on other ports" >&2
    "$0" stop "$dir" >/dev/null 2>&1
    STACK_START_TRY=$((try + 1)) exec bash "$0" start "$dir" "$bin"
  }
  "$0" stop "$dir" >/dev/null 2>&1
  rm -rf "$dir"; mkdir -p "$dir"; chmod 755 "$dir"
  pg_port=$(free_port); redis_port=$(free_port)
  if [ "${STACK_DURABLE:-0}" = 1 ]; then durable=on; else durable=off; fi
  PG_FSYNC=$durable PG_SYNC_COMMIT=$durable pg_init "$dir/pg" "$pg_port"
  pg_start "$dir/pg"
  db_bootstrap "$pg_port" "$src" policy cases customer orders probe_a probe_b
  # the secrets a deployment gives every service: Redis's password and the services' shared one
  secret_file "$dir/redis-password" 32
  secret_file "$dir/service-secret" 48
  # Redis too may lose its port between free_port and its bind (stacks start side by side)
  ( redis_start "$dir/redis" "$redis_port" "$dir/redis-password" ) || start_again
  "$bin/services/policy/claimsuite-keygen" "$dir/signing-key.json" || die "keygen failed"
  # the platform operator's credential, its secret in a file as a deployment mounts it
  operator_id=stack-operator
  (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=\n' > "$dir/operator-secret")

  declare -A url
  for name in policy cases customer orders probe_a probe_b gateway bankid; do
    url[$name]="http://127.0.0.1:$(free_port)"
  done
  admin_port=$(free_port)
  common_env=(BIND_ADDRESS=127.0.0.1 "REDIS_HOST=127.0.0.1" "REDIS_PORT=$redis_port"
              "REDIS_PASSWORD_FILE=$dir/redis-password" "SERVICE_SECRET_FILE=$dir/service-secret"
              "RETENTION_CHECK_SECONDS=${STACK_RETENTION_CHECK_SECONDS:-1}"
              "JWKS_URL=${url[policy]}/v1/auth/jwks" "MIGRATIONS_DIR=$src" LOG_LEVEL=info
              "DB_POOL_SIZE=${STACK_DB_POOL_SIZE:-4}" OUTBOX_POLL_MS=50)
  for svc in $SERVICES; do
    extra=()
    [ "$svc" = policy ] && extra=("SIGNING_KEY_FILE=$dir/signing-key.json"
                                  "PLATFORM_OPERATOR_ID=$operator_id"
                                  "PLATFORM_OPERATOR_SECRET_FILE=$dir/operator-secret"
                                  "EVENT_FEEDS=cases=${url[cases]}")
    [ "$svc" = cases ] && extra=("EVENT_FEEDS=policy=${url[policy]},cases=${url[cases]},customer=${url[customer]}" "BLOB_DIR=$dir/blobs"
                                 TEMPORARY_REPORT_CHECK_SECONDS=1)
    [ "$svc" = customer ] && extra=("EVENT_FEEDS=policy=${url[policy]},cases=${url[cases]},orders=${url[orders]}" "NOTIFY_FILE_DIR=$dir/notify-outbox" "BLOB_DIR=$dir/blobs")
    # webhooks to the tests' receivers on 127.0.0.1, retried fast, dead after 12 s, purged often
    [ "$svc" = customer ] && extra+=(WEBHOOK_ALLOW_HTTP=1 WEBHOOK_RETRY_FOR_SECONDS=12 WEBHOOK_RETRY_BASE_MS=200 WEBHOOK_RETRY_MAX_MS=1000 WEBHOOK_POLL_MS=100 "WEBHOOK_PURGE_CHECK_SECONDS=${STACK_RETENTION_CHECK_SECONDS:-1}")
    [ "$svc" = orders ] && extra=("EVENT_FEEDS=policy=${url[policy]}")
    # e-ID signing: BankID's stand-in (standins/bankid_standin.c), the code's SMS as a file
    [ "$svc" = orders ] && extra+=("BANKID_URL=${url[bankid]}" SMS_PROVIDER=file "NOTIFY_FILE_DIR=$dir/notify-outbox")
    save_env "$svc" "$bin/services/$svc/$svc" "${common_env[@]}" "PORT=${url[$svc]##*:}" \
      "DATABASE_URL=host=127.0.0.1 port=$pg_port dbname=claimsuite user=$svc" "${extra[@]}"
  done
  save_env probe_a "$bin/tests/probe" "${common_env[@]}" PROBE_NAME=probe_a "PORT=${url[probe_a]##*:}" \
    "DATABASE_URL=host=127.0.0.1 port=$pg_port dbname=claimsuite user=probe_a"
  save_env probe_b "$bin/tests/probe" "${common_env[@]}" PROBE_NAME=probe_b "PORT=${url[probe_b]##*:}" \
    "DATABASE_URL=host=127.0.0.1 port=$pg_port dbname=claimsuite user=probe_b" \
    "EVENT_FEEDS=probe_a=${url[probe_a]}"
  save_env bankid "$bin/standins/bankid_standin" BIND_ADDRESS=127.0.0.1 "PORT=${url[bankid]##*:}"
  save_env gateway "$bin/gateway/gateway" BIND_ADDRESS=127.0.0.1 "PORT=${url[gateway]##*:}" LOG_LEVEL=info \
    HTTP_HEAD_TIMEOUT_SECONDS=2 \
    "ADMIN_PORT=$admin_port" \
    "JWKS_URL=${url[policy]}/v1/auth/jwks" "UPSTREAM_POLICY=${url[policy]}" "UPSTREAM_CASES=${url[cases]}" \
    "UPSTREAM_CUSTOMER=${url[customer]}" "UPSTREAM_ORDERS=${url[orders]}" "OPENAPI_DIR=$src" \
    "GATEWAY_SPOOL_DIR=$dir/gateway-spool" \
    REDIS_HOST=127.0.0.1 "REDIS_PORT=$redis_port" "REDIS_PASSWORD_FILE=$dir/redis-password"

  names=(bankid policy cases customer orders probe_a probe_b gateway)
  for name in "${names[@]}"; do launch "$name"; done
  up=1
  for name in "${names[@]}"; do ready "$name" "${url[$name]}" || { up=0; break; }; done
  sleep 0.3 # a service that lost its port to another program exits just after it migrated
  for name in "${names[@]}"; do kill -0 "$(cat "$dir/pids/$name.pid")" 2>/dev/null || up=0; done
  [ "$up" = 1 ] || start_again

  cat > "$envfile" <<ENV
STACK_DIR=$dir
BIN_DIR=$bin
SOURCE_DIR=$src
PG_PORT=$pg_port
PG_DURABLE=$durable
PG_SUPERUSER_CONNINFO=host=127.0.0.1 port=$pg_port dbname=claimsuite user=postgres
REDIS_PORT=$redis_port
REDIS_PASSWORD_FILE=$dir/redis-password
SERVICE_SECRET_FILE=$dir/service-secret
SIGNING_KEY_FILE=$dir/signing-key.json
BLOB_DIR=$dir/blobs
GATEWAY_SPOOL_DIR=$dir/gateway-spool
OPERATOR_CLIENT_ID=$operator_id
OPERATOR_SECRET=$(cat "$dir/operator-secret")
POLICY_URL=${url[policy]}
CASES_URL=${url[cases]}
CUSTOMER_URL=${url[customer]}
ORDERS_URL=${url[orders]}
PROBE_A_URL=${url[probe_a]}
PROBE_B_URL=${url[probe_b]}
GATEWAY_URL=${url[gateway]}
BANKID_DOUBLE_URL=${url[bankid]}
GATEWAY_ADMIN_URL=http://127.0.0.1:$admin_port
ENV
  echo "stack up in $dir"
  ;;
stop)
  stop_processes "$dir/pids"
  redis_stop "$dir/redis" # by its pid file: also after a start that failed half-way
  pg_stop "$dir/pg"
  ;;
kill)
  name=${3:?NAME}; sig=${4:-TERM}
  pid=$(cat "$dir/pids/$name.pid" 2>/dev/null) || die "$name is not running"
  kill -"$sig" "$pid" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$dir/pids/$name.pid"
  ;;
restart)
  name=${3:?NAME}
  launch "$name"
  port=$(grep '^PORT=' "$dir/envs/$name.env" | cut -d= -f2)
  wait_ready "$name" "http://127.0.0.1:$port"
  ;;
redis-stop) redis_stop "$dir/redis" ;;
pg-crash) as_postgres "$PG_BIN/pg_ctl" -D "$dir/pg" -m immediate -w stop >/dev/null ;;
pg-start) pg_start "$dir/pg" ;;
redis-start) redis_start "$dir/redis" "$(getenv REDIS_PORT)" "$dir/redis-password" ;;
*) die "unknown command $cmd" ;;
esac
