# Shared by the benchmarks of one service on the test stack (bench/policy.sh, bench/cases.sh).
# Source it after setting src and build; it defines bench_stack_up.
# shellcheck shell=bash
. "$src/scripts/lib.sh" # die
command -v wrk >/dev/null || die "wrk is not installed (Debian package wrk)"

# Starts the test stack with the demo data in a temporary directory that is removed (stack
# stopped) on exit; sets tmp and the stack's variables (POLICY_URL, CASES_URL, PG_PORT, ...).
bench_stack_up() {
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/claimsuite-bench.XXXXXX")
  chmod 755 "$tmp" # PostgreSQL runs as the postgres user
  trap 'bash "$src/tests/support/stack.sh" stop "$tmp/stack" "$build" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
  echo "starting the stack in $tmp/stack ..."
  bash "$src/tests/support/stack.sh" start "$tmp/stack" "$build" >"$tmp/stack.log" 2>&1 \
    || { cat "$tmp/stack.log" >&2; die "the stack did not start"; }
  # shellcheck source=/dev/null
  . "$tmp/stack/stack.env"
  bash "$src/scripts/demo-data.sh" "$PG_PORT" "$build" >/dev/null
}
