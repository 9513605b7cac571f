#!/usr/bin/env bash
# What the gateway costs: the same upstream route measured directly on the policy service,
# through the claimsuite gateway, and through nginx configured as a keep-alive reverse proxy.
#   bash bench/gateway.sh [BUILD_DIR]        (default ./build; needs the tests built: the stack
#                                             starts the probe service too)
# Settings (environment): BENCH_THREADS (2), BENCH_CONNECTIONS (32), BENCH_DURATION (10s),
# BENCH_WARMUP (2s), BENCH_KEEP=1 keeps the temporary directory (logs, wrk outputs), NGINX
# (/usr/sbin/nginx) the nginx binary.
# Needs: wrk, nginx, curl, and what tests/support/stack.sh needs (PostgreSQL 15,
# redis-server). Not a test: it prints numbers and exits 0 when it could measure.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$src/bench/lib.sh" "$@"
conns=${BENCH_CONNECTIONS:-32}
warmup=${BENCH_WARMUP:-2s}
nginx_bin=${NGINX:-/usr/sbin/nginx}

[ -x "$nginx_bin" ] || command -v "$nginx_bin" >/dev/null || die "nginx not found at $nginx_bin (Debian package nginx-light)"
command -v curl >/dev/null || die "curl is not installed"
for b in services/policy/policy gateway/gateway services/policy/claimsuite-keygen tests/probe; do
  [ -x "$build/$b" ] || die "$build/$b is missing: build everything (with tests) first"
done

nginx_pid=""
bench_cleanup_hook() {
  if [ -n "$nginx_pid" ]; then
    kill -TERM "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
  fi
}

# --- the suite ----------------------------------------------------------------------------
bench_stack_up

# --- nginx in front of the policy service -------------------------------------------------
nginx_port=$(free_port)
upstream=${POLICY_URL#http://}
mkdir -p "$tmp/nginx"
sed -e "s|@PREFIX@|$tmp/nginx|g" -e "s|@PORT@|$nginx_port|g" -e "s|@UPSTREAM@|$upstream|g" \
  "$src/bench/nginx.conf.in" >"$tmp/nginx/nginx.conf"
"$nginx_bin" -t -q -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log" \
  || die "nginx rejected $tmp/nginx/nginx.conf"
"$nginx_bin" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log" &
nginx_pid=$!
NGINX_URL="http://127.0.0.1:$nginx_port"
wait_http "$NGINX_URL/healthz" "$nginx_pid" 100 \
  || { cat "$tmp/nginx/error.log" >&2; die "nginx did not answer on $nginx_port"; }

# --- measuring ----------------------------------------------------------------------------
# p99 as wrk prints it (850.00us, 1.23ms, 1.02s, 1.00m) in milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
    printf "%.2f", n }'
}

labels=() rps=() p99=() notes=()
measure() { # label url
  local label=$1 url=$2 code out i=${#labels[@]}
  labels+=("$label")
  code=$(curl -s -o "$tmp/check.$i" -w '%{http_code}' --max-time 5 "$url" || true)
  if [ "$code" != 200 ]; then
    rps+=("-"); p99+=("-"); notes+=("skipped: HTTP $code ($(head -c 120 "$tmp/check.$i" | tr '\n' ' '))")
    echo "  $label: HTTP $code, not measured"
    return 0
  fi
  wrk -t1 -c"$conns" -d"$warmup" "$url" >/dev/null 2>&1 || true
  out=$tmp/wrk.$i.txt
  if ! wrk -t"$threads" -c"$conns" -d"$duration" --latency "$url" >"$out" 2>&1; then
    rps+=("-"); p99+=("-"); notes+=("wrk failed: $(tail -1 "$out")")
    return 0
  fi
  rps+=("$(awk '/^Requests\/sec:/ {print $2}' "$out")")
  p99+=("$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")")
  local bad errs note=""
  bad=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")
  errs=$(awk '/Socket errors:/ {sub(/^ *Socket errors: */, ""); print}' "$out")
  [ -n "$bad" ] && note="$bad non-2xx responses! "
  [ -n "$errs" ] && note="${note}socket errors: $errs"
  notes+=("$note")
  echo "  $label: ${rps[$i]} req/s, p99 ${p99[$i]} ms${note:+ ($note)}"
  bench_record "$(echo "$label" | tr -s ' '), $conns conns" "${rps[$i]} req/s, p99 ${p99[$i]} ms${note:+ ($note)}"
}

ratio() { # a b -> a/b or -
  awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'
}

echo
echo "wrk -t$threads -c$conns -d$duration --latency (warm-up ${warmup} each), $(nproc) CPUs,"
echo "everything (PostgreSQL, Redis, services, gateway, nginx, wrk) on this one machine."
echo "commit $(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown), nginx $("$nginx_bin" -v 2>&1 | sed 's|.*/||'), $(wrk -v 2>&1 | head -1 | awk '{print $1, $2}')"
echo
echo "measuring ..."
measure "policy direct  GET /v1/auth/jwks" "$POLICY_URL/v1/auth/jwks"   # 0
measure "via gateway    GET /v1/auth/jwks" "$GATEWAY_URL/v1/auth/jwks"  # 1
measure "via nginx      GET /v1/auth/jwks" "$NGINX_URL/v1/auth/jwks"    # 2
measure "policy direct  GET /healthz"      "$POLICY_URL/healthz"        # 3
measure "via nginx      GET /healthz"      "$NGINX_URL/healthz"         # 4

echo
printf '%-34s %12s %10s %10s  %s\n' "target" "req/s" "p99 ms" "/direct" "notes"
printf '%-34s %12s %10s %10s  %s\n' "------" "-----" "------" "-------" "-----"
for i in "${!labels[@]}"; do
  base=0; [ "$i" -ge 3 ] && base=3
  printf '%-34s %12s %10s %10s  %s\n' "${labels[$i]}" "${rps[$i]}" "${p99[$i]}" \
    "$(ratio "${rps[$i]}" "${rps[$base]}")" "${notes[$i]}"
done

gw=$(ratio "${rps[1]}" "${rps[0]}")
ng=$(ratio "${rps[2]}" "${rps[0]}")
echo
echo "/v1/auth/jwks throughput: gateway/direct = $gw, nginx/direct = $ng"
echo "/v1/auth/jwks p99:        gateway/direct = $(ratio "${p99[1]}" "${p99[0]}"), nginx/direct = $(ratio "${p99[2]}" "${p99[0]}")"
echo "/healthz throughput:      nginx/direct = $(ratio "${rps[4]}" "${rps[3]}")"
bench_record "throughput of /v1/auth/jwks against the service alone" "gateway $gw, nginx $ng"
if [ "$gw" = "-" ] || [ "$ng" = "-" ]; then
  echo "verdict: not comparable (a target was not measured)"
elif awk -v g="${rps[1]}" -v n="${rps[2]}" 'BEGIN { exit !(g >= n) }'; then
  echo "verdict: the gateway keeps at least nginx's share of the direct throughput ($gw >= $ng)"
else
  echo "verdict: the gateway keeps LESS than nginx's share of the direct throughput ($gw < $ng)"
fi
