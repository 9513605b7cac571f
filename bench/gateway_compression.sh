#!/usr/bin/env bash
# What compressing answers costs and saves at the gateway (gateway/compress.h): the same big
# answers fetched through the gateway without Accept-Encoding, with gzip and with br, and a small
# one (under COMPRESS_MIN_BYTES, never compressed) for the overhead of the check alone.
#   bash bench/gateway_compression.sh [BUILD_DIR]   (default ./build)
# Settings (environment): BENCH_THREADS (2), BENCH_CONNECTIONS (16), BENCH_DURATION (10s),
# BENCH_KEEP=1 keeps the temporary directory. The stack's gateway runs with its rate limits
# off here (one wrk client would only measure the limiter).
# Needs: wrk, curl, and what tests/support/stack.sh needs. Not a test: it prints numbers.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$src/bench/lib.sh" "$@"
command -v curl >/dev/null || die "curl is not installed"
[ -x "$build/gateway/gateway" ] || die "$build/gateway/gateway is missing: build first"

# the stack's processes inherit these (scripts/lib.sh start_process)
export RATE_LIMIT_PER_MINUTE=0 RATE_LIMIT_CLIENT_PER_MINUTE=0 RATE_LIMIT_ADDRESS_PER_MINUTE=0
bench_stack_up

measure() { # label path accept-encoding ("" for none)
  local label=$1 path=$2 ae=$3 out size enc args=()
  [ -n "$ae" ] && args=(-H "Accept-Encoding: $ae")
  read -r size enc < <(curl -s -o /dev/null "${args[@]}" -w '%{size_download} %header{content-encoding}\n' \
    --max-time 10 "$GATEWAY_URL$path")
  out=$tmp/wrk.$RANDOM.txt
  wrk -t1 -c"$conns" -d2s "${args[@]}" "$GATEWAY_URL$path" >/dev/null 2>&1 || true
  wrk -t"$threads" -c"$conns" -d"$duration" --latency "${args[@]}" "$GATEWAY_URL$path" >"$out" 2>&1
  printf '%-30s %-10s %10s %12s %10s %12s\n' "$label" "${enc:-identity}" "$size" \
    "$(awk '/^Requests\/sec:/ {print $2}' "$out")" "$(awk '$1 == "99%" {print $2}' "$out")" \
    "$(awk '/^Transfer\/sec:/ {print $2}' "$out")"
}

echo
echo "wrk -t$threads -c$conns -d$duration through the stack's gateway, $(nproc) CPUs, everything on"
echo "this one machine; commit $(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo
printf '%-30s %-10s %10s %12s %10s %12s\n' "answer" "coding" "bytes" "req/s" "p99" "transfer/s"
for doc in cases policy; do
  n=$(curl -s -o /dev/null -w '%{size_download}' "$GATEWAY_URL/openapi/$doc.yaml")
  measure "/openapi/$doc.yaml (${n} B)" "/openapi/$doc.yaml" ""
  measure "/openapi/$doc.yaml" "/openapi/$doc.yaml" "gzip"
  measure "/openapi/$doc.yaml" "/openapi/$doc.yaml" "br"
done
measure "/v1/auth/jwks (small)" "/v1/auth/jwks" ""
measure "/v1/auth/jwks (small)" "/v1/auth/jwks" "gzip, br"
