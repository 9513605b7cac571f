#!/usr/bin/env bash
# What the customer page costs: the customer's reads (a session cookie, the customer service's
# own copy of the case) next to the hardware's ceiling, and how long a case event takes to reach
# that copy.
#   bash bench/customer.sh [BUILD_DIR]     (default ./build, built with tests: the stack needs them)
# Settings: BENCH_THREADS (2), BENCH_CONNECTIONS ("16"), BENCH_DURATION (10s), BENCH_NEWS (200:
# calls logged on the case, each a news entry), BENCH_EVENTS (300: cases created one after
# another for the lag), BENCH_DB_POOL_SIZE (8); BENCH_KEEP=1 keeps the temporary directory.
# Not a test: it prints numbers. See bench/README.md.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$src/bench/lib.sh" "$@"
conns_list=${BENCH_CONNECTIONS:-16}
nnews=${BENCH_NEWS:-200}
nevents=${BENCH_EVENTS:-300}
case_id=00000000-0000-4000-8000-de0000000601 # DEMO-1001, Maria Lund +46701112233
bench_demo_stack_up

admin=$(bench_token admin@demo.test)
handler=$(bench_token handler@demo.test)
for _ in $(seq 100); do # the demo cases reach the customer service as case.snapshot events
  [ "$(sql "SELECT count(*) FROM customer.cases WHERE case_id = '$case_id'")" = 1 ] && break
  sleep 0.1
done
[ "$(sql "SELECT count(*) FROM customer.cases WHERE case_id = '$case_id'")" = 1 ] \
  || die "the customer service does not know DEMO-1001"

# Every news kind shown, the budget and documents too; the news: calls logged on the case.
settings=$(curl -fsS -H "Authorization: Bearer $admin" "$GATEWAY_URL/v1/customer/settings")
etag=$(curl -fsS -o /dev/null -D - -H "Authorization: Bearer $admin" \
  "$GATEWAY_URL/v1/customer/settings" | sed -nE 's/^ETag: *([^[:space:]]+).*/\1/ip')
body=$(printf '%s' "$settings" | python3 -c '
import json, sys
d = json.load(sys.stdin)
d.update(news_feed_title="always", case_budget="always", news_filter=[
  "call_history", "inspector_assigned", "main_inspection_started", "main_inspection_finished",
  "compensation_decision", "task_started", "task_finished", "case_closed",
  "main_inspection_office_changed", "new_tasks_added", "rebuild_responsible_changed",
  "rebuild_task_office_changed", "case_reopened", "project_manager_changed",
  "project_manager_office_changed", "meeting_time_changed", "rebuild_schedule_changed",
  "message_to_customer", "document_shared", "document_sharing_ended"])
print(json.dumps(d))')
curl -fsS -o /dev/null -X PUT -H "Authorization: Bearer $admin" -H "If-Match: $etag" \
  -H "Content-Type: application/json" -d "$body" "$GATEWAY_URL/v1/customer/settings" \
  || die "the settings are refused"
echo "logging $nnews calls on DEMO-1001 (each a news entry) ..."
for i in $(seq "$nnews"); do
  curl -fsS -o /dev/null -H "Authorization: Bearer $handler" -H "Content-Type: application/json" \
    -d "{\"number\": \"+46701112233\", \"started_at\": \"2026-12-01T10:00:00Z\", \"duration_seconds\": $i, \"reached\": true}" \
    "$GATEWAY_URL/v1/cases/$case_id/calls" || die "call $i is refused"
done

# The customer's session: a link granted by hand, read from the queue, opened.
curl -fsS -o /dev/null -H "Authorization: Bearer $handler" -H "Content-Type: application/json" \
  -d '{"contact_index": 0, "send": ["sms"]}' "$GATEWAY_URL/v1/customer/cases/$case_id/access" \
  || die "the access grant is refused"
# the queue keeps a link only until it is sent: read what the file provider delivered
msg=$(sql "SELECT id FROM customer.outgoing_messages WHERE recipient = '+46701112233'
            ORDER BY created_at DESC LIMIT 1")
for _ in $(seq 100); do [ -f "$tmp/stack/notify-outbox/$msg.json" ] && break; sleep 0.1; done
token=$(sed -nE 's|.*/c/#([A-Za-z0-9_-]+).*|\1|p' "$tmp/stack/notify-outbox/$msg.json" | head -1)
[ -n "$token" ] || die "no link was queued"
cookie=$(curl -fsS -D - -o /dev/null -H "Content-Type: application/json" \
  -d "{\"token\": \"$token\"}" "$GATEWAY_URL/v1/customer-portal/login" \
  | sed -nE 's/^Set-Cookie: *([^;]+);.*/\1/ip')
[ -n "$cookie" ] || die "the link does not open"
for _ in $(seq 100); do
  n=$(sql "SELECT count(*) FROM customer.news WHERE case_id = '$case_id'")
  [ "$n" -ge "$nnews" ] && break
  sleep 0.1
done
cookie_lua="wrk.headers[\"Cookie\"] = \"$cookie\""
for part in case news plan budget; do
  curl -fsS -o /dev/null -H "Cookie: $cookie" "$GATEWAY_URL/v1/customer-portal/$part" \
    || die "GET /v1/customer-portal/$part is refused"
done
ceiling_path=/probe/ceiling/42
curl -fsS -o /dev/null -H "Authorization: Bearer $handler" "$PROBE_A_URL$ceiling_path" \
  || die "the ceiling route is refused"

: > "$tmp/results"
echo
echo "wrk -t$threads -d$duration; a news page is the newest 50 of $n entries"
for c in $conns_list; do
  echo
  echo "$c connections:"
  bench_wrk "ceiling: GET /probe/ceiling/{id} (one prepared PK select)" "$c" "$handler" \
    "$PROBE_A_URL$ceiling_path"
  for part in case news plan budget; do
    bench_wrk "GET /v1/customer-portal/$part" "$c" "" "$CUSTOMER_URL/v1/customer-portal/$part" \
      "$cookie_lua"
    bench_wrk "GET /v1/customer-portal/$part via gateway" "$c" "" \
      "$GATEWAY_URL/v1/customer-portal/$part" "$cookie_lua"
  done
done
bench_summary "ceiling: GET /probe/ceiling/{id} (one prepared PK select)"
bench_memory VmHWM "peak under the customer page's load"

# From a case's commit in the cases service to its copy in the customer service: cases created
# one after another; each copy's first write is its case.created applied.
echo
echo "creating $nevents cases one after another for the event lag ..."
run=$RANDOM$RANDOM
for i in $(seq "$nevents"); do
  curl -fsS -o /dev/null -H "Authorization: Bearer $handler" -H "Content-Type: application/json" \
    -d "{\"claim_number\": \"LAG-$run-$i\", \"damage_type\": \"water\", \"damage_date\": \"2026-11-01\", \"address\": {\"city\": \"Stockholm\"}}" \
    "$GATEWAY_URL/v1/cases" || die "case $i is refused"
done
for _ in $(seq 100); do
  k=$(sql "SELECT count(*) FROM customer.cases WHERE doc->>'claim_number' LIKE 'LAG-$run-%'")
  [ "$k" -ge "$nevents" ] && break
  sleep 0.1
done
lag=$(sql "SELECT 'p50 ' || round(percentile_cont(0.5) WITHIN GROUP
       (ORDER BY ms)::numeric, 1) || ', p99 ' || round(percentile_cont(0.99) WITHIN GROUP
       (ORDER BY ms)::numeric, 1) || ', max ' || round(max(ms)::numeric, 1) || ' over '
       || count(*) || ' cases'
       FROM (SELECT extract(epoch FROM (cu.updated_at - c.created_at)) * 1000 AS ms
               FROM cases.cases c JOIN customer.cases cu ON cu.case_id = c.id
              WHERE c.claim_number LIKE 'LAG-$run-%') t")
echo "case.created -> customer copy (ms): $lag"
bench_record "event: case committed in cases -> applied in customer (ms)" "$lag"
