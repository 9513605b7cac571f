#!/usr/bin/env bash
# Runs the whole suite locally in the foreground: PostgreSQL and Redis under ./var/, the four
# services and the gateway on :8080. Ctrl-C stops everything this script started.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/scripts/lib.sh"
bin=$(cd "${1:-$src/build}" && pwd)
var="$src/var"
PG_PORT=${PG_PORT:-55432}
REDIS_PORT=${REDIS_PORT:-56379}
GATEWAY_PORT=${GATEWAY_PORT:-8080}
ADMIN_PORT=${ADMIN_PORT:-9080}
declare -A port=([policy]=8081 [cases]=8082 [customer]=8083 [orders]=8084)
# The demo platform operator (README, "The platform operator"): for a laptop only.
OPERATOR_ID=${PLATFORM_OPERATOR_ID:-demo-operator}
OPERATOR_SECRET=${PLATFORM_OPERATOR_SECRET:-demo-operator-secret}

mkdir -p "$var"
chmod 755 "$var"
exec 9>"$var/run.lock"
if ! flock -n 9; then
  echo "claimsuite is already running from $src (see $var/logs); not starting twice." >&2
  exit 1
fi
standin_ports=() # the stand-ins' (below), unless the real services are configured
[ -z "${BANKID_URL:-}" ] && standin_ports+=(8089)
[ -z "${TICKET_URL:-}" ] && standin_ports+=(8088)
for p in "$GATEWAY_PORT" "$ADMIN_PORT" "${port[@]}" "$PG_PORT" "$REDIS_PORT" "${standin_ports[@]}"; do
  port_open "$p" && die "port $p is taken by another program; stop it or change the port"
done

stopping=0
shutdown() {
  [ "$stopping" = 1 ] && return
  stopping=1
  echo; echo "stopping claimsuite..."
  stop_processes "$var/pids"
  redis_stop "$var/redis"
  pg_stop "$var/pg"
  echo "stopped."
}
trap shutdown EXIT
trap 'exit 0' INT TERM # Ctrl-C is the normal way to stop

echo "starting PostgreSQL 15 on 127.0.0.1:$PG_PORT (data in var/pg)"
pg_init "$var/pg" "$PG_PORT"
pg_start "$var/pg"
db_bootstrap "$PG_PORT" "$src" $SERVICES
# made once under var/ and kept: Redis's password and the secret the services share
secret_file "$var/redis-password" 32
secret_file "$var/service-secret" 48
echo "starting Redis on 127.0.0.1:$REDIS_PORT"
redis_start "$var/redis" "$REDIS_PORT" "$var/redis-password"
"$bin/services/policy/claimsuite-keygen" "$var/signing-key.json" || die "cannot create the signing key"

# What the suite calls outside itself, played by stand-ins unless configured (standins/): BankID
# (its orders complete by themselves on the third poll: the demo has no app) and the provider's
# ticket endpoint.
bankid_url=${BANKID_URL:-}
if [ -z "$bankid_url" ]; then
  echo "starting the BankID stand-in on 127.0.0.1:8089 (set BANKID_URL for the real one)"
  start_process bankid "$var/pids" "$var/logs" "$bin/standins/bankid_standin" \
    BIND_ADDRESS=127.0.0.1 PORT=8089 AUTOCOMPLETE_COLLECTS=3
  bankid_url=http://127.0.0.1:8089
fi
ticket_url=${TICKET_URL:-}
if [ -z "$ticket_url" ]; then
  echo "starting the ticket stand-in on 127.0.0.1:8088 (set TICKET_URL for the real endpoint)"
  start_process tickets "$var/pids" "$var/logs" "$bin/standins/ticket_standin" \
    BIND_ADDRESS=127.0.0.1 PORT=8088
  ticket_url=http://127.0.0.1:8088/tickets
fi

common=(BIND_ADDRESS=127.0.0.1 REDIS_HOST=127.0.0.1 "REDIS_PORT=$REDIS_PORT" "MIGRATIONS_DIR=$src"
        "REDIS_PASSWORD_FILE=$var/redis-password" "SERVICE_SECRET_FILE=$var/service-secret"
        "JWKS_URL=http://127.0.0.1:${port[policy]}/v1/auth/jwks" LOG_LEVEL=${LOG_LEVEL:-info})
for svc in $SERVICES; do
  extra=()
  # the gateway is the only proxy in front of policy: its X-Forwarded-For names the client
  # policy logs the decisions cases makes; cases decides from policy's facts (its replica)
  [ "$svc" = policy ] && extra=("SIGNING_KEY_FILE=$var/signing-key.json" AUTH_TRUSTED_PROXIES=127.0.0.1
                                "PLATFORM_OPERATOR_ID=$OPERATOR_ID" "PLATFORM_OPERATOR_SECRET=$OPERATOR_SECRET"
                                "EVENT_FEEDS=cases=http://127.0.0.1:${port[cases]}")
  [ "$svc" = cases ] && extra=("EVENT_FEEDS=policy=http://127.0.0.1:${port[policy]},cases=http://127.0.0.1:${port[cases]},customer=http://127.0.0.1:${port[customer]}" "BLOB_DIR=$var/blobs")
  # the customer service decides who may change its settings from policy's facts (its replica)
  [ "$svc" = customer ] && extra=("EVENT_FEEDS=policy=http://127.0.0.1:${port[policy]},cases=http://127.0.0.1:${port[cases]},orders=http://127.0.0.1:${port[orders]}" "NOTIFY_FILE_DIR=$var/outbox" "BLOB_DIR=$var/blobs")
  # the orders service decides from policy's facts (its replica)
  [ "$svc" = orders ] && extra=("EVENT_FEEDS=policy=http://127.0.0.1:${port[policy]}")
  # e-ID signing: BANKID_URL names BankID's relying-party API (its test environment needs
  # BANKID_CERT, BANKID_KEY, BANKID_CA too); without it the stand-in answers; the SMS codes go
  # where the customer service's messages go
  [ "$svc" = orders ] && extra+=("BANKID_URL=$bankid_url" "BANKID_CERT=${BANKID_CERT:-}"
                                 "BANKID_KEY=${BANKID_KEY:-}" "BANKID_CA=${BANKID_CA:-}"
                                 SMS_PROVIDER=file "NOTIFY_FILE_DIR=$var/outbox")
  # the orders service opens the tickets of attested orders at TICKET_URL (or the stand-in's)
  [ "$svc" = orders ] && extra+=("TICKET_URL=$ticket_url" TICKET_POLL_MS=500)
  start_process "$svc" "$var/pids" "$var/logs" "$bin/services/$svc/$svc" "${common[@]}" \
    "PORT=${port[$svc]}" "DATABASE_URL=host=127.0.0.1 port=$PG_PORT dbname=claimsuite user=$svc" "${extra[@]}"
done
# the operator's port (health details, metrics) on this machine only; the rate limits' buckets
# in Redis, as several gateways would share them
start_process gateway "$var/pids" "$var/logs" "$bin/gateway/gateway" BIND_ADDRESS=0.0.0.0 \
  "ADMIN_PORT=$ADMIN_PORT" ADMIN_BIND_ADDRESS=127.0.0.1 \
  "PORT=$GATEWAY_PORT" "JWKS_URL=http://127.0.0.1:${port[policy]}/v1/auth/jwks" "OPENAPI_DIR=$src" \
  "GATEWAY_SPOOL_DIR=$var/gateway-spool" \
  "CORS_ALLOWED_ORIGINS=${CORS_ALLOWED_ORIGINS:-http://localhost:3000,http://localhost:5173}" \
  "UPSTREAM_POLICY=http://127.0.0.1:${port[policy]}" "UPSTREAM_CASES=http://127.0.0.1:${port[cases]}" \
  "UPSTREAM_CUSTOMER=http://127.0.0.1:${port[customer]}" "UPSTREAM_ORDERS=http://127.0.0.1:${port[orders]}" \
  REDIS_HOST=127.0.0.1 "REDIS_PORT=$REDIS_PORT" "REDIS_PASSWORD_FILE=$var/redis-password"

for svc in $SERVICES; do
  wait_http "http://127.0.0.1:${port[$svc]}/readyz" "$(cat "$var/pids/$svc.pid")" 300 \
    || { tail -20 "$var/logs/$svc.log" >&2; die "$svc did not become ready"; }
done
wait_http "http://127.0.0.1:$GATEWAY_PORT/readyz" "$(cat "$var/pids/gateway.pid")" 300 \
  || { tail -20 "$var/logs/gateway.log" >&2; die "the gateway did not start"; }

[ -x "$src/scripts/demo-data.sh" ] && "$src/scripts/demo-data.sh" "$PG_PORT" "$bin"

cat <<INFO

claimsuite is running. Ctrl-C stops it.
  gateway      http://localhost:$GATEWAY_PORT   (health: /healthz, OpenAPI: /openapi/<service>.yaml)
  operator     http://127.0.0.1:$ADMIN_PORT   (/healthz and /readyz with details, /metrics)
  policy       http://127.0.0.1:${port[policy]}   cases http://127.0.0.1:${port[cases]}
  customer     http://127.0.0.1:${port[customer]}   orders http://127.0.0.1:${port[orders]}
  PostgreSQL   psql -h 127.0.0.1 -p $PG_PORT -U postgres claimsuite
  Redis        REDISCLI_AUTH=\$(cat var/redis-password) redis-cli --user claimsuite -p $REDIS_PORT
  logs         var/logs/<name>.log (JSON lines)

The platform operator ($OPERATOR_ID) creates portals (POST /v1/portals); its token:
  curl -s -d grant_type=client_credentials -d client_id=$OPERATOR_ID \\
    -d client_secret=$OPERATOR_SECRET http://localhost:$GATEWAY_PORT/v1/auth/token
INFO

# Stay in the foreground; if a process dies, say so and stop the rest.
while :; do
  wait -n
  for f in "$var"/pids/*.pid; do
    [ -f "$f" ] || continue
    if ! kill -0 "$(cat "$f")" 2>/dev/null; then
      name=$(basename "$f" .pid)
      rm -f "$f"
      echo "$name exited; see var/logs/$name.log" >&2
      exit 1
    fi
  done
done
