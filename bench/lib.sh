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
  if ! bash "$src/tests/support/stack.sh" start "$tmp/stack" "$build" >"$tmp/stack.log" 2>&1; then
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
