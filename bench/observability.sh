#!/usr/bin/env bash
# What the per-request work of common/http_server.c costs: the access line, the trace context
# and the ETag of every GET answer. Measures a service's cheapest route (GET /healthz), a case
# read (direct and through the gateway) and the same read revalidated (If-None-Match: 304), with
# ACCESS_LOG=on and then off (cases and gateway restarted with it): requests/s, p99, and the CPU
# time the cases service and the gateway spent per request (from /proc: the figure that holds on
# a machine shared with other work, where requests/s swings by tens of percent).
#   bash bench/observability.sh [BUILD_DIR]     (default ./build, built with tests: the stack needs them)
# To compare with the code before a change, run this script from that code's source tree with
# its build (a build ignores an ACCESS_LOG it does not know: both rows then measure the same).
# Settings: BENCH_THREADS (2), BENCH_CONNECTIONS (16), BENCH_DURATION (10s), BENCH_ROUNDS (3);
# BENCH_KEEP=1 keeps
# the temporary directory (service logs, raw wrk output).
# Not a test: it prints numbers. See bench/README.md.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$src/bench/lib.sh" "$@"
bench_demo_stack_up

handler=$(bench_token handler@demo.test)
case_id=00000000-0000-4000-8000-de0000000601
curl -fsS -o /dev/null -H "Authorization: Bearer $handler" "$CASES_URL/v1/cases/$case_id" \
  || die "the case read is refused"
etag=$(curl -fsS -D - -o /dev/null -H "Authorization: Bearer $handler" \
  "$CASES_URL/v1/cases/$case_id" | tr -d '\r' | awk -F': ' 'tolower($1) == "etag" {print $2}')
revalidate="wrk.headers[\"If-None-Match\"] = '$etag'"
echo "version: $(curl -fsS "$CASES_URL/metrics" | awk -F'"' '/^build_info/ {print $4}')"

# ACCESS_LOG of cases and the gateway from now on (their saved environment, then a restart).
access_log() { # on|off
  for name in cases gateway; do
    sed -i '/^ACCESS_LOG=/d; /^RATE_LIMIT_/d' "$tmp/stack/envs/$name.env"
    echo "ACCESS_LOG=$1" >> "$tmp/stack/envs/$name.env"
    # the gateway's rate limits (0: off) would answer most of a benchmark 429
    [ "$name" = gateway ] && printf '%s\n' RATE_LIMIT_PER_MINUTE=0 RATE_LIMIT_CLIENT_PER_MINUTE=0 \
      RATE_LIMIT_ADDRESS_PER_MINUTE=0 >> "$tmp/stack/envs/$name.env"
    bash "$src/tests/support/stack.sh" kill "$tmp/stack" "$name" >/dev/null
    bash "$src/tests/support/stack.sh" restart "$tmp/stack" "$name" >/dev/null
  done
  sleep 2 # the gateway's upstream checks, the cases replica
}

# CPU time (user + system, clock ticks) the stack's process name has used so far.
cpu_ticks() { # name
  awk '{print $14 + $15}' "/proc/$(cat "$tmp/stack/pids/$1.pid")/stat"
}

# One wrk run: requests/s, p99, and the CPU time the service and the gateway spent per answer
# (µs of CPU per request: robust to the other load of a shared machine, where requests/s is not).
# A row of $tmp/results: label, requests/s, p99 ms, cases µs/req, gateway µs/req, non-2xx.
row() { # label token url [extra_lua]
  local label=$1 tok=$2 url=$3 extra=${4:-} out c0 g0 c1 g1 hz
  hz=$(getconf CLK_TCK)
  {
    [ -n "$tok" ] && printf 'wrk.headers["Authorization"] = "Bearer %s"\n' "$tok"
    printf '%s\n' "$extra"
    cat <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %.0f %.2f %d\n", summary.requests,
    summary.requests / (summary.duration / 1e6), latency:percentile(99) / 1000, summary.errors.status))
end
LUA
  } > "$tmp/run.lua"
  c0=$(cpu_ticks cases); g0=$(cpu_ticks gateway)
  out=$(wrk -t"$threads" -c"$conns" -d"$duration" -s "$tmp/run.lua" "$url")
  c1=$(cpu_ticks cases); g1=$(cpu_ticks gateway)
  printf '%s\n' "$out" >> "$tmp/wrk.log"
  printf '%s\n' "$out" | awk -v label="$label" -v c=$((c1 - c0)) -v g=$((g1 - g0)) -v hz="$hz" '
    /^RESULT/ { n = $2 > 0 ? $2 : 1
      printf "%s\t%s\t%s\t%.1f\t%.1f\t%s\n", label, $3, $4, c * 1e6 / hz / n, g * 1e6 / hz / n, $5 }' \
    | tee -a "$tmp/results" | awk -F'\t' '{ printf "  %-52s %7s req/s  p99 %6s ms  cases %6s µs/req  gateway %6s µs/req%s\n",
      $1, $2, $3, $4, $5, ($6 > 0 ? "  (non-2xx " $6 ")" : "") }'
}

# Rounds of on then off, so that the load of whatever else runs on the machine falls on both;
# the summary gives each row's median over the rounds.
rounds=${BENCH_ROUNDS:-3}
for round in $(seq 1 "$rounds"); do
  for mode in on off; do
    access_log "$mode"
    echo
    echo "round $round, ACCESS_LOG=$mode (wrk -t$threads -c$conns -d$duration):"
    row "cases GET /healthz [$mode]" "" "$CASES_URL/healthz"
    row "cases GET /v1/cases/:id [$mode]" "$handler" "$CASES_URL/v1/cases/$case_id"
    # wrk counts a 304 as non-2xx: that column then says how many answers were 304
    row "cases GET /v1/cases/:id If-None-Match (304) [$mode]" "$handler" \
      "$CASES_URL/v1/cases/$case_id" "$revalidate"
    row "gateway GET /v1/cases/:id [$mode]" "$handler" "$GATEWAY_URL/v1/cases/$case_id"
  done
done
echo
echo "access lines written by cases: $(grep -c '"msg":"request"' "$tmp/stack/logs/cases.log" || true)"
echo
echo "median of $rounds rounds:"
printf '  %-52s %8s %8s %14s %16s\n' row "req/s" "p99 ms" "cases µs/req" "gateway µs/req"
awk -F'\t' '
  function median(list,   a, n, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  { if (!($1 in rps)) order[++k] = $1
    rps[$1] = rps[$1] " " $2; p99[$1] = p99[$1] " " $3; cu[$1] = cu[$1] " " $4; gu[$1] = gu[$1] " " $5 }
  END { for (i = 1; i <= k; i++) { r = order[i]
    printf "  %-52s %8.0f %8.2f %14.1f %16.1f\n", r, median(rps[r]), median(p99[r]), median(cu[r]), median(gu[r]) } }
' "$tmp/results"
