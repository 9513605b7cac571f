#!/usr/bin/env bash
# What sharing the rate limits through Redis costs the gateway: the same forwarded route
# (GET /v1/auth/jwks on the policy service, a public path: limited per client address) measured
# through gateways of this script that differ only in where their buckets live:
#   limits off        RATE_LIMIT_*_PER_MINUTE=0 (nothing counted: the yardstick)
#   in-process        the replica's own table (no REDIS_HOST)
#   shared (Redis)    every bucket in Redis, GCRA in its Lua script (REDIS_HOST)
#   Redis down        REDIS_HOST at a port where nothing listens: judged locally after backoff
# The limits are set so high (100 000 a second) that nothing is refused: what is measured is the
# cost of counting, not of refusing. wrk runs from one address, so every request charges one
# bucket: the worst case for both stores (one stripe lock, one Redis key).
#   bash bench/gateway_ratelimit.sh [BUILD_DIR]   (default ./build; a Release build measures
#                                                   the code, a sanitizer build the sanitizer)
# Settings (environment): BENCH_THREADS (2), BENCH_CONNECTIONS (32), BENCH_DURATION (10s),
# BENCH_WARMUP (2s), BENCH_ROUNDS (3: the four measured in turn, the median printed),
# BENCH_REDIS_CONNECTIONS (32: RATE_LIMIT_REDIS_CONNECTIONS of the gateways with Redis),
# BENCH_KEEP=1 keeps the temporary directory (logs, wrk outputs).
# The Redis is one of this script's own, with the ACL a deployment gives the gateway (the
# stack's may predate the rate-limit keys). Everything shares this machine: Redis, the gateways,
# the policy service and wrk compete for the same cores. Not a test: it prints numbers.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$src/bench/lib.sh" "$@"
conns=${BENCH_CONNECTIONS:-32}
warmup=${BENCH_WARMUP:-2s}
command -v redis-server >/dev/null || die "redis-server is not installed"
command -v curl >/dev/null || die "curl is not installed"
[ -x "$build/gateway/gateway" ] || die "$build/gateway/gateway is missing: build first"

gateway_pids=() redis_dir=""
bench_cleanup_hook() {
  local pid
  for pid in "${gateway_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${gateway_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$redis_dir" ] && [ -f "$redis_dir/redis.pid" ]; then
    kill -TERM "$(cat "$redis_dir/redis.pid")" 2>/dev/null || true
  fi
}

bench_stack_up

# --- Redis with the gateway's ACL ---------------------------------------------------------
redis_dir=$tmp/ratelimit-redis
redis_port=$(free_port)
mkdir -p "$redis_dir"
(umask 077; printf 'user default off\nuser claimsuite on >%s resetchannels &claimsuite.events.* resetkeys ~claimsuite:ratelimit:* -@all +@connection +publish +subscribe +unsubscribe +evalsha +script|load +get +set +time\n' \
  "$(cat "$REDIS_PASSWORD_FILE")" > "$redis_dir/users.acl")
redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$redis_dir" --daemonize yes \
  --pidfile "$redis_dir/redis.pid" --aclfile "$redis_dir/users.acl" --logfile "$redis_dir/redis.log" \
  --save "" --appendonly no >/dev/null || die "Redis did not start"
for _ in $(seq 1 100); do
  REDISCLI_AUTH=$(cat "$REDIS_PASSWORD_FILE") redis-cli --user claimsuite -p "$redis_port" ping 2>/dev/null \
    | grep -q PONG && break
  sleep 0.05
done

# --- the gateways -------------------------------------------------------------------------
high=6000000 # a minute's worth: 100 000 a second, never reached here
# HTTP_MAX_CONNECTIONS_PER_ADDRESS=0: wrk's warm-up and measured connections all come from one
# address, and the warm-up's may not be closed yet when the run opens its own
start_gateway() { # name env...
  local name=$1 port admin pid
  shift
  port=$(free_port)
  admin=$(free_port)
  env -i PATH="$PATH" BIND_ADDRESS=127.0.0.1 "PORT=$port" "ADMIN_PORT=$admin" LOG_LEVEL=warning \
    HTTP_MAX_CONNECTIONS_PER_ADDRESS=0 \
    "JWKS_URL=$POLICY_URL/v1/auth/jwks" "OPENAPI_DIR=$src" "GATEWAY_SPOOL_DIR=$tmp/spool-$name" \
    "UPSTREAM_POLICY=$POLICY_URL" "UPSTREAM_CASES=$CASES_URL" "UPSTREAM_CUSTOMER=$CUSTOMER_URL" \
    "UPSTREAM_ORDERS=$ORDERS_URL" "$@" "$build/gateway/gateway" >"$tmp/gateway-$name.log" 2>&1 &
  pid=$!
  gateway_pids+=("$pid")
  wait_http "http://127.0.0.1:$port/readyz" "$pid" 300 \
    || { tail -20 "$tmp/gateway-$name.log" >&2; die "gateway $name did not start"; }
  eval "url_$name=http://127.0.0.1:$port admin_$name=http://127.0.0.1:$admin pid_$name=$pid"
}
# A sample of a gateway's metrics (its operator port), "?" when absent.
metric() { # name sample
  local a=admin_$1
  curl -fsS "${!a}/metrics" 2>/dev/null | awk -v s="$2" '$1 == s {print $2; f = 1} END {if (!f) print "?"}'
}
limits=("RATE_LIMIT_PER_MINUTE=$high" "RATE_LIMIT_CLIENT_PER_MINUTE=$high"
        "RATE_LIMIT_ADDRESS_PER_MINUTE=$high" "RATE_LIMIT_BURST=$high")
redis_env=(REDIS_HOST=127.0.0.1 "REDIS_PASSWORD_FILE=$REDIS_PASSWORD_FILE"
           "RATE_LIMIT_REDIS_CONNECTIONS=${BENCH_REDIS_CONNECTIONS:-32}")
start_gateway off RATE_LIMIT_PER_MINUTE=0 RATE_LIMIT_CLIENT_PER_MINUTE=0 RATE_LIMIT_ADDRESS_PER_MINUTE=0
start_gateway local "${limits[@]}"
start_gateway shared "${limits[@]}" "${redis_env[@]}" "REDIS_PORT=$redis_port"
start_gateway down "${limits[@]}" "${redis_env[@]}" "REDIS_PORT=$(free_port)"

# --- measuring ----------------------------------------------------------------------------
path=/v1/auth/jwks
rounds=${BENCH_ROUNDS:-3}
declare -A labels=([off]="limits off" [local]="in-process buckets" [shared]="shared buckets (Redis)"
                   [down]="shared, Redis down (judged locally)")
# every gateway answers, and the shared one through Redis (its buckets themselves expire as soon
# as they are full again: at these rates within a millisecond)
for name in off local shared down; do
  u=url_$name
  curl -fsS -o /dev/null "${!u}$path" || die "gateway $name: GET $path failed"
done
[ "$(metric shared gateway_rate_limit_local_total)" = 0 ] || die "the shared gateway did not reach Redis"

hz=$(getconf CLK_TCK)
redis_pid=$(cat "$redis_dir/redis.pid")
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime of a process
# p99 as wrk prints it (850.00us, 1.23ms, 1.02s) in milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; printf "%.2f", n }'
}
# One wrk run against gateway name: a row of $tmp/results with requests/s, p99 ms, the gateway's
# and Redis's CPU time per request in µs (from /proc: what the other work on the machine does
# not change), and the non-2xx answers and socket errors.
measure() { # name
  local name=$1 u=url_$1 p=pid_$1 out g0 g1 r0 r1 n
  wrk -t1 -c"$conns" -d"$warmup" "${!u}$path" >/dev/null 2>&1 || true
  g0=$(cpu_ticks "${!p}") r0=$(cpu_ticks "$redis_pid")
  out=$(wrk -t"$threads" -c"$conns" -d"$duration" --latency "${!u}$path")
  g1=$(cpu_ticks "${!p}") r1=$(cpu_ticks "$redis_pid")
  printf '%s\n' "$out" >>"$tmp/wrk.log"
  n=$(awk '/requests in/ {print $1}' <<<"$out")
  awk -v l="${labels[$name]}" -v n="$n" -v hz="$hz" -v g=$((g1 - g0)) -v r=$((r1 - r0)) \
    -v rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")" -v p99="$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")" \
    -v bad="$(awk '/Non-2xx/ {b += $NF} /Socket errors/ {gsub(/[^0-9 ]/, " "); for (i = 1; i <= NF; i++) b += $i} END {print b + 0}' <<<"$out")" \
    'BEGIN {printf "%s\t%.0f\t%s\t%.1f\t%.1f\t%d\n", l, rps, p99, 1e6 * g / hz / n, 1e6 * r / hz / n, bad}' \
    | tee -a "$tmp/results" | awk -F'\t' '{printf "  %-40s %8s req/s  p99 %7s ms  gateway %6s us/req  Redis %5s us/req\n", $1, $2, $3, $4, $5}'
}

echo
echo "wrk -t$threads -c$conns -d$duration --latency (warm-up $warmup each), $(nproc) CPUs, GET $path"
echo "commit $(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown), build $(basename "$build")"
echo
# Rounds of the four in turn, the median of each: a load that drifts (other work on the machine)
# falls on every row alike instead of on the one measured while it lasted.
for round in $(seq 1 "$rounds"); do
  echo "round $round of $rounds"
  for name in off local shared down; do measure "$name"; done
done
median() { # column label
  awk -F'\t' -v c="$1" -v l="$2" '$1 == l {print $c}' "$tmp/results" | sort -n \
    | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}
echo
printf '%-40s %8s %8s %7s %14s %12s\n' "median of $rounds rounds" "req/s" "p99 ms" "% off" "gateway us/req" "Redis us/req"
off_rps=$(median 2 "${labels[off]}")
for name in off local shared down; do
  rps=$(median 2 "${labels[$name]}") p99=$(median 3 "${labels[$name]}")
  gw_us=$(median 4 "${labels[$name]}") redis_us=$(median 5 "${labels[$name]}")
  bad=$(awk -F'\t' -v l="${labels[$name]}" '$1 == l {b += $6} END {print b + 0}' "$tmp/results")
  share=$(awk -v a="$rps" -v b="$off_rps" 'BEGIN {printf("%.0f", (b > 0 ? 100 * a / b : 0))}')
  note=""
  [ "$bad" -gt 0 ] && note="  ($bad non-2xx answers or socket errors!)"
  printf '%-40s %8s %8s %6s%% %14s %12s%s\n' "${labels[$name]}" "$rps" "$p99" "$share" "$gw_us" "$redis_us" "$note"
  bench_record "${labels[$name]}, $conns conns" \
    "$rps req/s, p99 $p99 ms, $share % of limits off; CPU per request: gateway $gw_us us, Redis $redis_us us$note"
done
echo
echo "shared: $(metric shared gateway_rate_limit_store_errors_total) Redis errors, $(metric shared gateway_rate_limit_local_total) requests judged locally in the whole run"
echo "Redis down: $(metric down gateway_rate_limit_store_errors_total) Redis errors (reconnects back off), $(metric down gateway_rate_limit_local_total) requests judged locally"
bench_record "shared: Redis errors, requests judged locally" "$(metric shared gateway_rate_limit_store_errors_total), $(metric shared gateway_rate_limit_local_total)"
bench_record "Redis down: Redis errors, requests judged locally" "$(metric down gateway_rate_limit_store_errors_total), $(metric down gateway_rate_limit_local_total)"
