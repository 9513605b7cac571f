#!/usr/bin/env bash
# What the money of a case costs: its reads (cost control, budgets, settlement), the screens
# that count money awaiting approval, and a change of a budget, next to the ceiling.
#   bash bench/money.sh [BUILD_DIR]     (default ./build, built with tests: the stack needs them)
# Settings: BENCH_THREADS (2), BENCH_CONNECTIONS ("16"), BENCH_DURATION (10s), BENCH_CASES
# (100000; every hundredth has a budget waiting for approval), BENCH_KEEP=1 keeps the
# temporary directory. Not a test: it prints numbers. See bench/README.md.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$src/bench/lib.sh" "$@"
ncases=${BENCH_CASES:-100000}
conns_list=${BENCH_CONNECTIONS:-16}
bench_demo_stack_up
sql "ALTER SYSTEM SET fsync = on" >/dev/null
sql "ALTER SYSTEM SET synchronous_commit = on" >/dev/null
sql "SELECT pg_reload_conf()" >/dev/null

echo "loading $ncases cases, a submitted budget in every hundredth ..."
bench_load_cases "$ncases"
# the inspection tasks of the load (every tenth case) get budgets: one in ten of them waits
sql "INSERT INTO cases.budgets (id, case_id, task_id, portal_id, company_id, revision, status,
       currency, total_excl_vat, total_vat, total_incl_vat, created_by, submitted_by,
       submitted_at)
     SELECT gen_random_uuid(), t.case_id, t.id, t.portal_id, t.company_id, 1, 'submitted', 'SEK',
            8000, 2000, 10000, 'bench', 'bench', now()
       FROM cases.tasks t JOIN cases.cases c ON c.id = t.case_id
      WHERE c.claim_number LIKE 'BENCH-%' AND right(c.claim_number, 2) = '00'" >/dev/null
sql "UPDATE cases.cases c SET budgets_submitted = 1
      WHERE c.claim_number LIKE 'BENCH-%' AND right(c.claim_number, 2) = '00'" >/dev/null
sql "VACUUM ANALYZE" >/dev/null

handler=$(bench_token handler@demo.test)
partner=$(bench_token partner-admin@demo.test)
hdr=(-H "Authorization: Bearer $handler" -H "Content-Type: application/json")
# one case with ten tasks of the partner, each with an approved budget of ten lines
case_id=$(curl -fsS "${hdr[@]}" -d '{"claim_number":"MONEY-BENCH","damage_type":"water",
  "damage_date":"2026-01-10","address":{"city":"Stockholm"}}' "$CASES_URL/v1/cases" \
  | sed -E 's/^\{"id":"([^"]+)".*/\1/')
line='{"description":"Carpenter","quantity":2.5,"unit":"h","unit_price":45000,"vat_rate":25}'
lines="[$line$(printf ",$line%.0s" $(seq 9))]"
for i in $(seq 10); do
  task=$(curl -fsS -D - -o /dev/null "${hdr[@]}" -d '{"type":"repair","trade":"carpentry"}' \
    "$CASES_URL/v1/cases/$case_id/tasks" | sed -nE 's/^Location: .*\/tasks\/([0-9a-f-]+).*/\1/p')
  curl -fsS -o /dev/null -X PUT "${hdr[@]}" -d '{"office_id":"00000000-0000-4000-8000-de0000000301"}' \
    "$CASES_URL/v1/cases/$case_id/tasks/$task/office"
  budget=$(curl -fsS "${hdr[@]}" -d "{\"lines\":$lines}" \
    "$CASES_URL/v1/cases/$case_id/tasks/$task/budgets" | sed -E 's/^\{"id":"([^"]+)".*/\1/')
  curl -fsS -o /dev/null -X POST "${hdr[@]}" "$CASES_URL/v1/cases/$case_id/budgets/$budget/submit"
  curl -fsS -o /dev/null -X POST -H "Authorization: Bearer $(bench_token admin@demo.test)" \
    "$CASES_URL/v1/cases/$case_id/budgets/$budget/approve" || true
done
# a draft of the last task, changed over and over (each PATCH takes the case's row)
draft=$(curl -fsS "${hdr[@]}" -d "{\"lines\":[$line]}" \
  "$CASES_URL/v1/cases/$case_id/tasks/$task/budgets" | sed -E 's/^\{"id":"([^"]+)".*/\1/')
patch_lua="wrk.method = \"PATCH\"
wrk.headers[\"Content-Type\"] = \"application/json\"
wrk.body = '{\"lines\":$lines}'"

screens=(
  "cost control, 10 tasks (handler)|$handler|/v1/cases/$case_id/cost-control"
  "budgets of a case, 10 x 10 lines (handler)|$handler|/v1/cases/$case_id/budgets"
  "settlement (handler)|$handler|/v1/cases/$case_id/settlement"
  "dashboard with the money rows (handler)|$handler|/v1/dashboard"
  "dashboard with the money rows (partner admin)|$partner|/v1/dashboard"
  "list, budget_awaiting_approval=true (handler)|$handler|/v1/cases?budget_awaiting_approval=true&limit=50"
)
for s in "${screens[@]}"; do
  IFS='|' read -r label tok path <<<"$s"
  curl -fsS -o /dev/null -H "Authorization: Bearer $tok" "$CASES_URL$path" || die "$label is refused"
done

: > "$tmp/results"
echo
echo "$ncases cases; wrk -t$threads -d$duration, each row at ${conns_list// /, } connections"
for c in $conns_list; do
  echo
  echo "$c connections:"
  bench_wrk "ceiling: GET /probe/ceiling/{id} (one prepared PK select)" "$c" "$handler" \
    "$PROBE_A_URL/probe/ceiling/42"
  for s in "${screens[@]}"; do
    IFS='|' read -r label tok path <<<"$s"
    bench_wrk "$label" "$c" "$tok" "$CASES_URL$path"
  done
  bench_wrk "PATCH a draft budget, 10 lines (one case: serialised on its row)" "$c" "$handler" \
    "$CASES_URL/v1/cases/$case_id/budgets/$draft" "$patch_lua"
done
bench_summary "ceiling: GET /probe/ceiling/{id} (one prepared PK select)"
