#!/usr/bin/env bash
# What the policy service's two hot paths cost: the decision point POST /internal/authorize
# (asked by every guarded action of the other services) and a password login (argon2id).
#   bash bench/policy.sh [BUILD_DIR]     (default ./build, built with tests: the stack needs them)
# Settings: BENCH_THREADS (2), BENCH_CONNECTIONS (16), BENCH_DURATION (10s), BENCH_LOGINS (20);
# BENCH_KEEP=1 keeps the temporary directory (service logs).
# Not a test: it prints numbers.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$src/bench/lib.sh" "$@"
logins=${BENCH_LOGINS:-20}
bench_demo_stack_up

# The demo's external case handler asking to approve a budget within its own limit.
ech=$(sql "SELECT id FROM policy.users WHERE email = 'ech@demo.test'")
portal=$(sql "SELECT id FROM policy.portals WHERE name = 'Demo'")
body="{\"user_id\":\"$ech\",\"action\":\"approve_budget\",\"portal_id\":\"$portal\",\"case_roles\":[\"external_case_handler\"],\"amount\":100000}"
# /internal answers only another service of the stack: a service token, good for 60 s
service_token=$(bench_service_token policy)
curl -fsS -H 'Content-Type: application/json' -H "Authorization: Bearer $service_token" -d "$body" \
  "$POLICY_URL/internal/authorize" >/dev/null \
  || die "the authorize request of the benchmark is refused"
cat > "$tmp/authorize.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $service_token"
wrk.body = '$body'
LUA

echo
echo "POST /internal/authorize (wrk -t$threads -c$conns -d$duration --latency; each decision is also logged):"
wrk -t"$threads" -c"$conns" -d"$duration" --latency -s "$tmp/authorize.lua" "$POLICY_URL/internal/authorize" \
  > "$tmp/authorize.out"
wrk_summary < "$tmp/authorize.out"
bench_record "POST /internal/authorize, $conns conns" "$(awk '/^Requests\/sec:/ {r = $2} $1 == "99%" {p = $2} END {print r " req/s, p99 " p}' "$tmp/authorize.out")"

echo
echo "password logins, one after another ($logins, argon2id m=19 MiB t=2):"
start=$(date +%s%N)
for _ in $(seq 1 "$logins"); do
  curl -fsS -o /dev/null -d grant_type=password -d username=handler@demo.test -d password=demo \
    "$POLICY_URL/v1/auth/token"
done
end=$(date +%s%N)
echo "  $(( (end - start) / 1000000 / logins )) ms per login"
bench_record "password login (argon2id m=19 MiB t=2), one at a time" "$(( (end - start) / 1000000 / logins )) ms per login over $logins"
sql "SELECT '  decisions logged: ' || count(*) FROM policy.decision_log"
