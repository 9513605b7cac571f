#!/usr/bin/env bash
# Every benchmark, one after another, then one summary table of their figures.
#   bash bench/all.sh [BUILD_DIR]      (default ./build; a Release build with the tests:
#                                       cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release)
# Each script runs on a stack of its own (bench/lib.sh) and records its figures through
# bench_record; a script that fails is named in the summary and the others still run.
# Settings: BENCH_SCRIPTS (the scripts to run, default below), BENCH_OUT (where the logs and the
# summary go, default a new directory under /tmp), and every script's own (bench/README.md).
# Not a test: it prints numbers; exits 1 when a script failed.
set -uo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build_arg=${1:-./build}
[ -d "$build_arg" ] || { echo "build directory $build_arg not found" >&2; exit 2; }
build=$(cd "$build_arg" && pwd)
scripts=${BENCH_SCRIPTS:-gateway cases policy customer uploads}
out=${BENCH_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/claimsuite-bench-all.XXXXXX")}
mkdir -p "$out"
record=$out/figures.tsv
: > "$record"

commit=$(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown)
echo "claimsuite benchmarks: commit $commit, $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), build $build"
echo "logs in $out"
failed=()
for name in $scripts; do
  script=$src/bench/$name.sh
  [ -f "$script" ] || { echo "no bench/$name.sh" >&2; failed+=("$name (no script)"); continue; }
  echo
  echo "== $name.sh ($(date -u +%H:%M:%S) UTC)"
  start=$(date +%s)
  if BENCH_RECORD=$record BENCH_SECTION=$name bash "$script" "$build" > "$out/$name.log" 2>&1; then
    echo "   done in $(( $(date +%s) - start )) s"
  else
    echo "   FAILED after $(( $(date +%s) - start )) s; the end of its log:"
    tail -15 "$out/$name.log" | sed 's/^/   | /'
    failed+=("$name")
  fi
done

{
  echo
  echo "Summary (commit $commit; every row from the run above, each script on a stack of its own)"
  echo
  printf '| %-10s | %-70s | %s |\n' "benchmark" "row" "figure"
  printf '| %-10s | %-70s | %s |\n' "----------" "---" "------"
  awk -F'\t' '{ printf "| %-10s | %-70s | %s |\n", $1, $2, $3 }' "$record"
  [ ${#failed[@]} -eq 0 ] || printf '\nfailed: %s (see their logs)\n' "${failed[*]}"
} | tee "$out/summary.md"
[ ${#failed[@]} -eq 0 ]
