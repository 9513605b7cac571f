#!/usr/bin/env bash
# The plans of the case screens' statements, as the cases service runs them: EXPLAIN (ANALYZE,
# BUFFERS) of every statement of one request, logged by PostgreSQL's auto_explain.
#   bash bench/explain.sh [BUILD_DIR]     (default ./build, built with tests)
# Settings: BENCH_CASES (100000). Loads the same data as bench/cases.sh. Each screen is asked
# 6 times first, so that prepared statements show the plan they keep (PostgreSQL plans a prepared
# statement for its parameters 5 times, then may keep a generic plan). Not a test.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$src/bench/lib.sh" "$@"
ncases=${BENCH_CASES:-100000}
bench_demo_stack_up
echo "loading $ncases cases ..." >&2
bench_load_cases "$ncases"

# auto_explain for the cases service's role only, then its connections opened again
for setting in "session_preload_libraries = 'auto_explain'" "auto_explain.log_min_duration = 0" \
  "auto_explain.log_analyze = on" "auto_explain.log_buffers = on" \
  "auto_explain.log_nested_statements = off"; do
  sql "ALTER ROLE cases SET $setting" >/dev/null
done
bash "$src/tests/support/stack.sh" kill "$tmp/stack" cases >/dev/null
bash "$src/tests/support/stack.sh" restart "$tmp/stack" cases >/dev/null

handler=$(bench_token handler@demo.test)
partner=$(bench_token partner-admin@demo.test)
skip=$(( ncases / 2 < 50000 ? ncases / 2 : 50000 ))
pos=$(sql "SELECT cases.iso(created_at) || ' ' || id FROM cases.cases
            WHERE portal_id = '00000000-0000-4000-8000-de0000000201'
            ORDER BY created_at DESC, id DESC OFFSET $(( skip - 1 )) LIMIT 1")
cursor=$(bench_cursor "${pos% *}" "${pos#* }")
log="$tmp/stack/pg/server.log"

explain() { # title token path
  for _ in 1 2 3 4 5 6; do
    curl -fsS -o /dev/null -H "Authorization: Bearer $2" "$CASES_URL$3" || die "$1 is refused"
  done
  sleep 0.2
  local from
  from=$(( $(wc -l < "$log") + 1 ))
  curl -fsS -o /dev/null -H "Authorization: Bearer $2" "$CASES_URL$3"
  sleep 0.5 # the log is written after the answer
  echo "### $1"
  echo
  echo "\`GET $3\`"
  echo
  echo '```'
  # every plan of the request, without the outbox relay's, which polls in the background
  tail -n +"$from" "$log" | awk '
    function flush() { if (n > 0 && !relay) for (i = 1; i <= n; i++) print buf[i]; n = 0; relay = 0 }
    / LOG:  duration: .* plan:/ { flush(); sub(/^.* LOG:  /, ""); buf[++n] = $0; p = 1; next }
    /^\t/ && p { sub(/^\t/, "  "); if ($0 ~ /Query Text: .*outbox/) relay = 1; buf[++n] = $0; next }
    { p = 0 }
    END { flush() }'
  echo '```'
  echo
}

echo "## Plans with $ncases cases"
echo
explain "Dashboard, partner admin" "$partner" "/v1/dashboard"
explain "Case list, action_required=true, partner admin" "$partner" \
  "/v1/cases?action_required=true&limit=50"
explain "Case list, partner admin" "$partner" "/v1/cases?limit=50"
explain "Dashboard, insurer case handler" "$handler" "/v1/dashboard"
explain "Case list, first page, insurer case handler" "$handler" "/v1/cases?limit=50"
explain "Case list, page $(( skip / 50 + 1 )) by cursor, insurer case handler" "$handler" \
  "/v1/cases?limit=50&cursor=$cursor"
explain "Case by id, insurer case handler" "$handler" \
  "/v1/cases/00000000-0000-4000-8000-de0000000601"
