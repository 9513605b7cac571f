#!/usr/bin/env bash
# Builds the fuzz harnesses (tests/fuzz/fuzz_<name>.c) with clang, libFuzzer, ASan and UBSan
# under BUILD_DIR/fuzz-build, and runs each for SECONDS (60) on a copy of its corpus
# (tests/fuzz/corpus/<name>/, never written here) kept in BUILD_DIR/fuzz-work/<name>/, one after
# another. Prints executions, exec/s and coverage (cov, ft) per harness. Any crash, leak or
# timeout fails the run: the input is left in BUILD_DIR/fuzz-artifacts/ and printed in base64.
# Exits 77 (skipped) when clang cannot build fuzzers (Debian: clang libclang-rt-14-dev).
#   tests/fuzz/run.sh BUILD_DIR [SECONDS] [NAME...]
set -u

if [ $# -lt 1 ]; then
  echo "usage: $0 BUILD_DIR [SECONDS] [NAME...]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(mkdir -p "$1" && cd "$1" && pwd)
seconds=${2:-60}
shift $(($# >= 2 ? 2 : 1))
fuzz_build=$build/fuzz-build
work=$build/fuzz-work
artifacts=$build/fuzz-artifacts
cc=${FUZZ_CC:-clang}

# Can this clang build a fuzzer at all? (libFuzzer lives in Debian's libclang-rt-14-dev.)
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$probe/p.c"
if ! command -v "$cc" >/dev/null ||
  ! "$cc" -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" 2>"$probe/err"; then
  echo "SKIP: $cc cannot build libFuzzer harnesses (apt-get install clang libclang-rt-14-dev)" >&2
  cat "$probe/err" >&2 2>/dev/null
  exit 77
fi

if [ $# -eq 0 ]; then
  set -- $(cd "$here" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')
fi
targets=()
for name in "$@"; do
  [ -f "$here/fuzz_$name.c" ] || { echo "no harness tests/fuzz/fuzz_$name.c" >&2; exit 2; }
  targets+=("fuzz_$name")
done

# The build: incremental, so each CTest test after the first only checks it is current.
if ! cmake -S "$here" -B "$fuzz_build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=None \
  >"$build/fuzz-configure.log" 2>&1; then
  cat "$build/fuzz-configure.log" >&2
  echo "FAIL: configuring the fuzz build" >&2
  exit 1
fi
if ! cmake --build "$fuzz_build" -j"${FUZZ_JOBS:-2}" --target "${targets[@]}" \
  >"$build/fuzz-build.log" 2>&1; then
  tail -n 60 "$build/fuzz-build.log" >&2
  echo "FAIL: building the fuzz harnesses" >&2
  exit 1
fi

# The longest input each harness takes: a request head or body, a token, a cursor.
max_len_of() {
  case "$1" in
    cursor) echo 4096 ;;
    jwt) echo 8192 ;;
    multipart | json_body) echo 16384 ;;
    *) echo 8192 ;;
  esac
}

mkdir -p "$work" "$artifacts"
# Uploads (fuzz_multipart) are written to a blob store: memory, when there is some.
scratch=$work/scratch
[ -d /dev/shm ] && [ -w /dev/shm ] && scratch=/dev/shm
mkdir -p "$scratch"
export FUZZ_SCRATCH_DIR=$scratch
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1:allocator_may_return_null=1
export LSAN_OPTIONS=suppressions=$root/tests/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

failed=0
summary=()
for target in "${targets[@]}"; do
  name=${target#fuzz_}
  corpus=$work/$name/corpus
  log=$work/$name/last.log
  mkdir -p "$corpus"
  # the repository's seeds join what earlier runs found (rm -rf BUILD_DIR/fuzz-work: start over)
  [ -d "$here/corpus/$name" ] && cp -n "$here/corpus/$name"/* "$corpus/" 2>/dev/null
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="$(max_len_of "$name")"
    -print_final_stats=1 -error_exitcode=1 -timeout_exitcode=1
    -artifact_prefix="$artifacts/$name-")
  [ -f "$here/$name.dict" ] && args+=(-dict="$here/$name.dict")
  before=$(mktemp)
  echo "== $name: ${seconds}s, $(ls "$corpus" | wc -l) inputs to start from"
  (cd "$work/$name" && "$fuzz_build/$target" "${args[@]}" "$corpus" >"$log" 2>&1)
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  result=ok
  if [ $rc -ne 0 ] || grep -q -E '^==[0-9]+==ERROR|^SUMMARY: (Address|Leak|UndefinedBehavior)Sanitizer|ALARM: working on the last Unit|runtime error:' "$log"; then
    result=FAILED
    failed=1
    grep -n -E 'ERROR|runtime error|SUMMARY|ALARM|Test unit written|==[0-9]+==|#[0-9]+ ' "$log" |
      grep -v -E 'pulse|NEW|REDUCE|INITED|DONE' | head -n 60 >&2
    for a in $(find "$artifacts" -maxdepth 1 -name "$name-*" -newer "$before" -type f); do
      echo "crashing input: $a" >&2
      echo "base64: $(base64 -w0 "$a")" >&2
    done
    echo "full log: $log" >&2
  fi
  rm -f "$before"
  # what a harness noted without failing (fuzz_multipart: server stalls it had to wake)
  notes=$(grep -c '^NOTE:' "$log")
  [ "$notes" -gt 0 ] && echo "$name: $notes note(s): $(grep '^NOTE:' "$log" | sort | uniq -c | head -n 3)"
  line=$(printf '%-16s %-7s execs=%-10s exec/s=%-7s cov=%-6s ft=%s' "$name" "$result" \
    "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}")
  echo "$line"
  summary+=("$line")
done

echo "== fuzz summary (${seconds}s each)"
printf '%s\n' "${summary[@]}"
exit $failed
