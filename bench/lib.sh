# Shared by the benchmarks on the test stack (bench/gateway.sh, bench/policy.sh, bench/cases.sh).
# Source it with the script's arguments after setting src: . "$src/bench/lib.sh" "$@"
# It sets build (from BUILD_DIR, default ./build), threads, conns and duration (BENCH_THREADS,
# BENCH_CONNECTIONS, BENCH_DURATION) and defines the functions below.
# shellcheck shell=bash disable=SC2034,SC2154 # src comes from, and the settings go to, the script
# shellcheck source-path=SCRIPTDIR source=../scripts/lib.sh
. "$src/scripts/lib.sh" # die, free_port, port_open, wait_http, psql_super
command -v wrk >/dev/null || die "wrk is not installed (Debian package wrk)"

build_arg=${1:-./build}
[ -d "$build_arg" ] || die "build directory $build_arg not found (build first: cmake -S . -B build && cmake --build build)"
build=$(cd "$build_arg" && pwd)
threads=${BENCH_THREADS:-2}
conns=${BENCH_CONNECTIONS:-16}
duration=${BENCH_DURATION:-10s}

# A figure for bench/all.sh's summary: appended to $BENCH_RECORD (when set) as
# section<TAB>row<TAB>figure; the section is the script's name unless BENCH_SECTION says.
bench_record() { # row figure
  [ -n "${BENCH_RECORD:-}" ] || return 0
  printf '%s\t%s\t%s\n' "${BENCH_SECTION:-$(basename "$0" .sh)}" "$1" "$2" >> "$BENCH_RECORD"
}

# The memory of each process of the stack (services and gateway), in MB: VmRSS now (when
# idle) or VmHWM, the peak since it started (after a load), printed and recorded.
bench_memory() { # VmRSS|VmHWM label
  local name pid kb line=""
  for name in policy cases customer orders gateway; do
    pid=$(cat "$tmp/stack/pids/$name.pid" 2>/dev/null) || continue
    kb=$(awk -v k="$1" '$1 == k":" {print $2}' "/proc/$pid/status" 2>/dev/null) || continue
    [ -n "$kb" ] || continue
    line+=$(printf '%s %.1f MB, ' "$name" "$(awk -v k="$kb" 'BEGIN {print k / 1024}')")
  done
  echo "  memory, $2: ${line%, }"
  bench_record "memory, $2" "${line%, }"
}

# Extra cleanup on exit, before the stack stops (bench/gateway.sh stops nginx here).
bench_cleanup_hook() { :; }

stack_started=""
bench_cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  bench_cleanup_hook
  if [ -n "$stack_started" ]; then
    bash "$src/tests/support/stack.sh" stop "$tmp/stack" "$build" >/dev/null 2>&1 || true
  fi
  if [ -n "${BENCH_KEEP:-}" ]; then
    echo "kept $tmp"
  else
    rm -rf "$tmp"
  fi
  exit "$rc"
}

# Starts the test stack in a temporary directory, tmp, which is removed (stack stopped,
# bench_cleanup_hook run) on exit, also on Ctrl-C, unless BENCH_KEEP is set; sets the stack's
# variables (POLICY_URL, CASES_URL, GATEWAY_URL, PG_PORT, ...).
bench_stack_up() {
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/claimsuite-bench.XXXXXX")
  chmod 755 "$tmp" # PostgreSQL runs as the postgres user, nginx workers as nobody
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  echo "starting the stack (PostgreSQL, Redis, services, gateway) in $tmp/stack ..."
  stack_started=1
  # a benchmark is one caller asking as fast as it can: the gateway's rate limits would measure
  # themselves
  export RATE_LIMIT_PER_MINUTE=0 RATE_LIMIT_CLIENT_PER_MINUTE=0 RATE_LIMIT_ADDRESS_PER_MINUTE=0
  # the services' own pool size (DB_POOL_SIZE default 8), not the integration tests' 4; and
  # retention checked as often as by default (300 s), not every second as tests need
  if ! STACK_DB_POOL_SIZE=${BENCH_DB_POOL_SIZE:-8} STACK_RETENTION_CHECK_SECONDS=300 \
    bash "$src/tests/support/stack.sh" start "$tmp/stack" "$build" >"$tmp/stack.log" 2>&1; then
    tail -40 "$tmp/stack.log" >&2
    die "the stack did not start"
  fi
  # shellcheck source=/dev/null
  . "$tmp/stack/stack.env"
}

# bench_stack_up, then the demo portal (README.md, "Demo logins") loaded into it.
bench_demo_stack_up() {
  bench_stack_up
  bash "$src/scripts/demo-data.sh" "$PG_PORT" "$build" >/dev/null
}

# One SQL command on the stack's database as the superuser; rows unaligned, no headers.
sql() { psql_super "$PG_PORT" -d claimsuite -tAc "$1"; }

# The lines of wrk's output worth printing (throughput, median and p99 latency, errors).
wrk_summary() {
  grep -E 'Requests/sec|  50%|  99%|Non-2xx|Socket errors' | sed 's/^/  /'
}

# The demo portal plus n cases (newest first, one a minute back from now); every tenth has an
# inspection task at the partner's Stockholm office waiting for a user. Then VACUUM ANALYZE of
# the database (also of what triggers wrote), as autovacuum would have run by the time a portal
# holds that many cases.
bench_load_cases() { # n
  sql "INSERT INTO cases.cases (id, portal_id, claim_number, damage_type, damage_date, city,
         latitude, longitude, contacts, created_by, created_at)
       SELECT gen_random_uuid(), '00000000-0000-4000-8000-de0000000201', 'BENCH-' || g, 'water',
              current_date - (g % 300), 'Stockholm', 59.3, 18.0,
              jsonb_build_array(jsonb_build_object('kind', 'policyholder', 'name', 'Name ' || g)),
              'bench', now() - make_interval(mins => g)
         FROM generate_series(1, $1) g" >/dev/null
  sql "INSERT INTO cases.tasks (id, case_id, portal_id, type, status, office_id, office_name,
         company_id, company_name, office_assigned_at)
       SELECT gen_random_uuid(), id, portal_id, 'inspection', '1',
              '00000000-0000-4000-8000-de0000000301', 'Stockholm',
              '00000000-0000-4000-8000-de0000000102', 'Partner', now()
         FROM cases.cases WHERE claim_number LIKE 'BENCH-%' AND right(claim_number, 1) = '0'" >/dev/null
  sql "VACUUM ANALYZE" >/dev/null
}

# An access token of a demo user (password grant).
bench_token() { # email
  curl -fsS -d grant_type=password -d "username=$1" -d password=demo "$POLICY_URL/v1/auth/token" \
    | sed -E 's/.*"access_token":"([^"]+)".*/\1/'
}

# A service token for a call of the service audience, as another service of the stack makes it
# (common/service_auth.c: HS256 with a key derived from the stack's service secret; 60 s).
bench_service_token() { # audience
  local b64url='base64 -w0 | tr "+/" "-_" | tr -d "="' key now payload sig
  key=$(printf '%s' 'claimsuite service token v1' \
    | openssl dgst -sha256 -mac HMAC -macopt "key:$(cat "$SERVICE_SECRET_FILE")" -binary \
    | od -An -tx1 | tr -d ' \n')
  now=$(date +%s)
  payload=$(printf '{"iss":"claimsuite-services","sub":"bench","aud":"%s","iat":%d,"exp":%d}' \
    "$1" "$now" $((now + 60)) | eval "$b64url")
  sig=$(printf 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.%s' "$payload" \
    | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" -binary | eval "$b64url")
  printf 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.%s.%s' "$payload" "$sig"
}

# The opaque list cursor (common/paging.c: base64url of the sorted JSON position).
bench_cursor() { # at id
  printf '{"at":"%s","id":"%s","sort":"created"}' "$1" "$2" | base64 -w0 | tr '+/' '-_' | tr -d '='
}

# One wrk run, its numbers appended to $tmp/results as a row of the summary:
# label, connections, requests/s, p99 ms, non-2xx answers, socket errors.
# extra_lua (optional) is appended to the script (a request function, for instance).
bench_wrk() { # label conns token url [extra_lua]
  local label=$1 c=$2 tok=$3 url=$4 extra=${5:-} out
  {
    [ -n "$tok" ] && printf 'wrk.headers["Authorization"] = "Bearer %s"\n' "$tok"
    printf '%s\n' "$extra"
    cat <<'LUA'
done = function(summary, latency, requests)
  local s = summary.duration / 1e6
  io.write(string.format("RESULT %.0f %.2f %d %d\n", summary.requests / s,
    latency:percentile(99) / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA
  } > "$tmp/run.lua"
  out=$(wrk -t"$threads" -c"$c" -d"$duration" --latency -s "$tmp/run.lua" "$url")
  printf '%s\n' "$out" >> "$tmp/wrk.log"
  local r
  r=$(printf '%s\n' "$out" | awk '/^RESULT/ {print $2, $3, $4, $5}')
  printf '%s\t%s\t%s\n' "$label" "$c" "${r// /$'\t'}" >> "$tmp/results"
  printf '  %-62s c=%-3s %8s req/s  p99 %7s ms%s\n' "$label" "$c" "${r%% *}" \
    "$(echo "$r" | cut -d' ' -f2)" "$(echo "$r" | awk '$3 > 0 || $4 > 0 {printf "  (non-2xx %d, errors %d)", $3, $4}')"
}

# The summary: every row's requests/s and p99, and its share of the ceiling row
# (ceiling_label) measured at the same number of connections; each row also recorded for
# bench/all.sh.
bench_summary() { # ceiling_label
  local rows label c rps p99 share bad
  rows=$(awk -F'\t' -v ceil="$1" '
    { label[NR] = $1; c[NR] = $2; rps[NR] = $3; p99[NR] = $4; bad[NR] = $5 + $6
      if ($1 == ceil) top[$2] = $3 }
    END {
      for (i = 1; i <= NR; i++)
        printf "%s\t%s\t%s\t%s\t%s\t%d\n", label[i], c[i], rps[i], p99[i],
          ((c[i] in top && top[c[i]] > 0) ? sprintf("%.0f", 100 * rps[i] / top[c[i]]) : "-"), bad[i]
    }' "$tmp/results")
  echo
  printf '%-62s %5s %10s %10s %10s\n' "row" "conns" "req/s" "p99 ms" "% ceiling"
  while IFS=$'\t' read -r label c rps p99 share bad; do
    local note="" figure="$rps req/s, p99 $p99 ms"
    [ "$bad" -gt 0 ] && note="  ($bad non-2xx answers or socket errors!)"
    [ "$share" != - ] && [ "$label" != "$1" ] && figure+=", $share % of the ceiling"
    printf '%-62s %5s %10s %10s %9s%%%s\n' "$label" "$c" "$rps" "$p99" "$share" "$note"
    bench_record "$label, $c conns" "$figure$note"
  done <<<"$rows"
}
