#!/usr/bin/env bash
# What the cases service's screens cost, next to what the hardware can do at all.
#   bash bench/cases.sh [BUILD_DIR]     (default ./build, built with tests: the stack needs them)
# Settings: BENCH_THREADS (2), BENCH_CONNECTIONS ("16 32"), BENCH_DURATION (10s),
# BENCH_CASES (100000), BENCH_DB_POOL_SIZE (8), BENCH_ROWS ("screens create": the read screens,
# case create with pgbench next to it, or one of them); BENCH_KEEP=1 keeps the temporary
# directory (service logs, raw wrk output).
# Not a test: it prints numbers. See bench/README.md.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$src/bench/lib.sh" "$@"
ncases=${BENCH_CASES:-100000}
conns_list=${BENCH_CONNECTIONS:-16 32}
rows=${BENCH_ROWS:-screens create}
pgbench=${PGBENCH:-$PG_BIN/pgbench}
[ -x "$pgbench" ] || die "pgbench not found at $pgbench (Debian package postgresql-15)"
bench_demo_stack_up

# The test stack runs PostgreSQL with fsync and synchronous_commit off (tests need no
# durability); a benchmark of writes must pay for it.
sql "ALTER SYSTEM SET fsync = on" >/dev/null
sql "ALTER SYSTEM SET synchronous_commit = on" >/dev/null
sql "SELECT pg_reload_conf()" >/dev/null

bench_memory VmRSS "idle, demo data loaded"
echo "loading $ncases cases ..."
bench_load_cases "$ncases"
handler=$(bench_token handler@demo.test)
partner=$(bench_token partner-admin@demo.test)
case_id=00000000-0000-4000-8000-de0000000601
# a deep page: after the 50 000th newest case the handler sees (page 1001 of 50), or halfway
# with fewer cases
skip=$(( ncases / 2 < 50000 ? ncases / 2 : 50000 ))
page=$(( skip / 50 + 1 ))
pos=$(sql "SELECT cases.iso(created_at) || ' ' || id FROM cases.cases
            WHERE portal_id = '00000000-0000-4000-8000-de0000000201'
            ORDER BY created_at DESC, id DESC OFFSET $(( skip - 1 )) LIMIT 1")
cursor=$(bench_cursor "${pos% *}" "${pos#* }")

# label, token, path: every screen, direct on the cases service and through the gateway
screens=(
  "list, first page (handler)|$handler|/v1/cases?limit=50"
  "list, page $page by cursor (handler)|$handler|/v1/cases?limit=50&cursor=$cursor"
  "list, action_required=true (partner admin)|$partner|/v1/cases?action_required=true&limit=50"
  "case by id (handler)|$handler|/v1/cases/$case_id"
  "dashboard (partner admin)|$partner|/v1/dashboard"
  "dashboard (handler)|$handler|/v1/dashboard"
  "allowed actions (handler)|$handler|/v1/cases/$case_id/allowed-actions"
)
for s in "${screens[@]}"; do
  IFS='|' read -r label tok path <<<"$s"
  curl -fsS -o /dev/null -H "Authorization: Bearer $tok" "$CASES_URL$path" || die "$label is refused"
done
ceiling_path=/probe/ceiling/42
curl -fsS -o /dev/null -H "Authorization: Bearer $handler" "$PROBE_A_URL$ceiling_path" \
  || die "the ceiling route is refused"

# A case per request, each with a claim number of its own (thread number and counter).
run_id=$RANDOM$RANDOM
create_lua() { # prefix
  cat <<LUA
local next_thread = 0
function setup(thread) thread:set("tid", next_thread); next_thread = next_thread + 1 end
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
function request()
  n = n + 1
  local body = string.format('{"claim_number": "BENCH-$1-%d-%d", "damage_type": "water", '
    .. '"damage_date": "2026-10-30", "address": {"street": "Sveavägen 1", "city": "Stockholm", '
    .. '"latitude": 59.33, "longitude": 18.06}}', tid, n)
  return wrk.format(nil, nil, nil, body)
end
LUA
}
curl -fsS -o /dev/null -H "Authorization: Bearer $handler" -H "Content-Type: application/json" \
  -d "{\"claim_number\": \"BENCH-$run_id-check\", \"damage_type\": \"water\", \"damage_date\": \"2026-10-30\", \"address\": {\"city\": \"Stockholm\"}}" \
  "$GATEWAY_URL/v1/cases" || die "case create is refused"

# pgbench's simple update (-N: no updates of the branch and teller rows everybody contends for)
# against the same PostgreSQL, scale 10 (1 000 000 accounts).
psql_super "$PG_PORT" -d postgres -c "CREATE DATABASE pgbench" >/dev/null
"$pgbench" -h 127.0.0.1 -p "$PG_PORT" -U postgres -i -q -s 10 pgbench >/dev/null 2>&1 \
  || die "pgbench -i failed"
# One pgbench run at c connections, a row of the results: the label, then pgbench's arguments.
run_pgbench() { # label conns args...
  local label=$1 c=$2 tps p99
  shift 2
  rm -f "$tmp"/pgbench_log.*
  (cd "$tmp" && "$pgbench" -h 127.0.0.1 -p "$PG_PORT" -c "$c" -j "$threads" \
    -T "${duration%s}" -l --log-prefix=pgbench_log "$@" > "$tmp/pgbench.out" 2>&1) \
    || { cat "$tmp/pgbench.out" >&2; die "pgbench failed"; }
  tps=$(sed -nE 's/^tps = ([0-9.]+).*/\1/p' "$tmp/pgbench.out" | head -1)
  # the per-transaction log: 3rd column is the latency in microseconds
  p99=$(cat "$tmp"/pgbench_log.* | awk '{print $3}' | sort -n \
    | awk '{v[NR] = $1} END {i = int(NR * 0.99); if (i < 1) i = 1; printf "%.2f", v[i] / 1000}')
  printf '%s\t%s\t%.0f\t%s\t0\t0\n' "$label" "$c" "$tps" "$p99" >> "$tmp/results"
  printf '  %-62s c=%-3s %8.0f tps    p99 %7s ms\n' "$label" "$c" "$tps" "$p99"
}
# What the services go on doing after a run (the customer service applying the last run's
# events) would be measured with the next one: wait until every consumer is at the cases head.
wait_applied() {
  local head
  head=$(sql "SELECT coalesce(max(seq), 0) FROM cases.outbox")
  for _ in $(seq 1 600); do
    [ "$(sql "SELECT count(*) FROM (SELECT last_seq FROM customer.event_offsets WHERE source = 'cases'
              UNION ALL SELECT last_seq FROM policy.event_offsets WHERE source = 'cases') o
              WHERE last_seq >= $head")" = 2 ] && return 0
    sleep 0.2
  done
  echo "  (the consumers of the cases events did not catch up within 120 s)" >&2
}

: > "$tmp/results"
echo
echo "$ncases cases in the demo portal; wrk -t$threads -d$duration, each row at ${conns_list// /, } connections"
for c in $conns_list; do
  echo
  echo "$c connections:"
  bench_wrk "ceiling: GET /probe/ceiling/{id} (one prepared PK select)" "$c" "$handler" \
    "$PROBE_A_URL$ceiling_path"
  if [[ " $rows " == *" screens "* ]]; then
    for s in "${screens[@]}"; do
      IFS='|' read -r label tok path <<<"$s"
      bench_wrk "$label" "$c" "$tok" "$CASES_URL$path"
      bench_wrk "$label via gateway" "$c" "$tok" "$GATEWAY_URL$path"
    done
  fi
  if [[ " $rows " == *" create "* ]]; then
    wait_applied
    bench_wrk "POST /v1/cases via gateway (handler, synchronous_commit on)" "$c" "$handler" \
      "$GATEWAY_URL/v1/cases" "$(create_lua "$run_id-$c")"
    wait_applied
    # the create's statements alone, at as many connections
    PGOPTIONS="-c search_path=cases -c jit=off -c plan_cache_mode=force_generic_plan" \
      run_pgbench "case create's statements alone (pgbench, same event)" "$c" -U cases -n \
      -M prepared -f "$src/bench/case_create_sql.pgbench" claimsuite
    wait_applied
    run_pgbench "pgbench -N (same PostgreSQL)" "$c" -U postgres -N pgbench
  fi
done
bench_summary "ceiling: GET /probe/ceiling/{id} (one prepared PK select)"
# the writes' yardstick: case creation's share of pgbench's transactions at each count
for c in $conns_list; do
  [[ " $rows " == *" create "* ]] || break
  share=$(awk -F'\t' -v c="$c" '$2 == c && $1 ~ /^POST \/v1\/cases/ {w = $3}
    $2 == c && $1 ~ /^case create.s statements/ {s = $3}
    $2 == c && $1 ~ /^pgbench/ {p = $3}
    END {if (p > 0 && s > 0) printf "%.0f %% (its statements alone: %.0f %%)", 100 * w / p, 100 * s / p}' \
    "$tmp/results")
  echo "case create / pgbench -N at $c connections: $share"
  bench_record "case create via gateway / pgbench -N, $c conns" "$share"
done
echo
bench_memory VmHWM "peak under the case screens' load"
