#!/usr/bin/env bash
# What the cases service's screens cost: the case list, one case, the dashboard and the
# allowed actions (each asks the policy service: the caller's current row, and decisions).
#   bash bench/cases.sh [BUILD_DIR]     (default ./build, built with tests: the stack needs them)
# Settings: BENCH_THREADS (2), BENCH_CONNECTIONS (16), BENCH_DURATION (10s), BENCH_CASES (5000);
# BENCH_KEEP=1 keeps the temporary directory (service logs).
# Not a test: it prints numbers.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$src/bench/lib.sh" "$@"
ncases=${BENCH_CASES:-5000}
bench_demo_stack_up

# Many cases in the demo portal; every tenth has a task at the partner's Stockholm office.
sql "INSERT INTO cases.cases (id, portal_id, claim_number, damage_type, damage_date, city,
       latitude, longitude, contacts, created_by, created_at)
     SELECT gen_random_uuid(), '00000000-0000-4000-8000-de0000000201', 'BENCH-' || g, 'water',
            current_date - (g % 300), 'Stockholm', 59.3, 18.0,
            jsonb_build_array(jsonb_build_object('kind', 'policyholder', 'name', 'Name ' || g)),
            'bench', now() - make_interval(mins => g)
       FROM generate_series(1, $ncases) g" >/dev/null
sql "INSERT INTO cases.tasks (id, case_id, portal_id, type, status, office_id, office_name,
       company_id, company_name, office_assigned_at)
     SELECT gen_random_uuid(), id, portal_id, 'inspection', '1',
            '00000000-0000-4000-8000-de0000000301', 'Stockholm',
            '00000000-0000-4000-8000-de0000000102', 'Partner', now()
       FROM cases.cases WHERE claim_number LIKE 'BENCH-%' AND right(claim_number, 1) = '0'" >/dev/null
sql "ANALYZE cases.cases; ANALYZE cases.tasks" >/dev/null

token() {
  curl -fsS -d grant_type=password -d "username=$1" -d password=demo "$POLICY_URL/v1/auth/token" \
    | sed -E 's/.*"access_token":"([^"]+)".*/\1/'
}
handler=$(token handler@demo.test)
partner=$(token partner-admin@demo.test)
case_id=00000000-0000-4000-8000-de0000000601

run() { # label token url
  cat > "$tmp/auth.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $2"
LUA
  curl -fsS -o /dev/null -H "Authorization: Bearer $2" "$3" || die "$1 is refused"
  echo
  echo "$1 (wrk -t$threads -c$conns -d$duration):"
  wrk -t"$threads" -c"$conns" -d"$duration" --latency -s "$tmp/auth.lua" "$3" | wrk_summary
}

echo "$ncases cases in the demo portal"
run "GET /v1/cases?limit=50 (insurer handler, newest first)" "$handler" "$CASES_URL/v1/cases?limit=50"
run "GET /v1/cases?action_required=true&limit=50 (partner admin)" "$partner" \
  "$CASES_URL/v1/cases?action_required=true&limit=50"
run "GET /v1/cases/{id} (insurer handler)" "$handler" "$CASES_URL/v1/cases/$case_id"
run "GET /v1/dashboard (partner admin)" "$partner" "$CASES_URL/v1/dashboard"
run "GET /v1/cases/{id}/allowed-actions (insurer handler)" "$handler" \
  "$CASES_URL/v1/cases/$case_id/allowed-actions"
