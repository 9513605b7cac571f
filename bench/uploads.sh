#!/usr/bin/env bash
# What big files cost the gateway: 4 uploads of 30 MiB at once through the gateway (multipart
# documents of a demo case), then 4 downloads of them at once, with the memory of the gateway
# and of the cases service (VmRSS, VmHWM of /proc/PID/status) before and at the peak of each.
#   bash bench/uploads.sh [BUILD_DIR]        (default ./build; needs the tests built: the stack
#                                             starts the probe service too)
# Settings (environment): BENCH_FILES (4: uploads and downloads at once), BENCH_FILE_MIB (30),
# BENCH_KEEP=1 keeps the temporary directory (logs, the files).
# Needs: curl, sha256sum, and what tests/support/stack.sh needs (PostgreSQL 15, redis-server).
# Not a test: it prints numbers and exits 0 when it could measure.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$src/bench/lib.sh" "$@"
files=${BENCH_FILES:-4}
mib=${BENCH_FILE_MIB:-30}

command -v curl >/dev/null || die "curl is not installed"
for b in services/cases/cases gateway/gateway services/policy/claimsuite-keygen tests/probe; do
  [ -x "$build/$b" ] || die "$build/$b is missing: build everything (with tests) first"
done

# --- the suite, a user and a case ---------------------------------------------------------
bench_demo_stack_up
token=$(bench_token handler@demo.test)
[ -n "$token" ] || die "no token for handler@demo.test"
case_id=$(sql "SELECT id FROM cases.cases WHERE claim_number LIKE 'DEMO-%' ORDER BY claim_number LIMIT 1")
[ -n "$case_id" ] || die "the demo data has no case"
gw_pid=$(cat "$tmp/stack/pids/gateway.pid")
cases_pid=$(cat "$tmp/stack/pids/cases.pid")

# The files: a PNG's signature and header (the service takes the type from the content), then
# random bytes, so no two are alike and nothing compresses.
png_head='\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90\x77\x53\xde\x00\x00\x00\x00IEND\xae\x42\x60\x82'
for i in $(seq 1 "$files"); do
  { printf '%b' "$png_head"; head -c $((mib * 1024 * 1024 - 45)) /dev/urandom; } >"$tmp/file$i.png"
done

# --- measuring ------------------------------------------------------------------------------
kb() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; } # pid VmRSS|VmHWM
mb() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
# VmHWM back to the current VmRSS (Linux 4.0+, as root or the owner): each phase gets its own
# peak. Without it the peak is the larger of the sampled VmRSS and the running VmHWM.
reset_peak() { echo 5 >"/proc/$1/clear_refs" 2>/dev/null; }
# Samples VmRSS of both every 20 ms into $tmp/samples until $tmp/sampling goes.
sample() {
  while [ -e "$tmp/sampling" ]; do
    echo "$(kb "$gw_pid" VmRSS) $(kb "$cases_pid" VmRSS)"
    sleep 0.02
  done >"$tmp/samples"
}

rows=()
phase() { # label command-per-file (gets i)
  local label=$1 run=$2 t0 t1 gw0 cs0 gwhwm cshwm
  reset_peak "$gw_pid" || true
  reset_peak "$cases_pid" || true
  gw0=$(kb "$gw_pid" VmRSS)
  cs0=$(kb "$cases_pid" VmRSS)
  touch "$tmp/sampling"
  sample &
  local sampler=$!
  local pids=()
  t0=$(date +%s.%N)
  for i in $(seq 1 "$files"); do
    "$run" "$i" &
    pids+=($!)
  done
  wait "${pids[@]}"
  t1=$(date +%s.%N)
  rm -f "$tmp/sampling"
  wait "$sampler"
  gwhwm=$(kb "$gw_pid" VmHWM)
  cshwm=$(kb "$cases_pid" VmHWM)
  read -r gwpeak cspeak < <(awk -v g="$gwhwm" -v c="$cshwm" '
    { if ($1 > g) g = $1; if ($2 > c) c = $2 } END { print g, c }' "$tmp/samples")
  local secs mibs
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')
  mibs=$(awk -v s="$secs" -v n="$files" -v m="$mib" 'BEGIN {printf "%.1f", n * m / s}')
  rows+=("$(printf '%-28s %8s %8s %8s %8s %7s %9s' "$label" "$(mb "$gw0")" "$(mb "$gwpeak")" \
    "$(mb "$cs0")" "$(mb "$cspeak")" "$secs" "$mibs")")
  echo "  $label: $files x $mib MiB in $secs s ($mibs MiB/s); gateway $(mb "$gw0") -> $(mb "$gwpeak") MB, cases $(mb "$cs0") -> $(mb "$cspeak") MB"
  bench_record "$label, $files x $mib MiB at once via the gateway" \
    "$mibs MiB/s; peak RSS gateway $(mb "$gwpeak") MB, cases $(mb "$cspeak") MB"
}

upload_one() { # i
  curl -sS -o "$tmp/up$1.json" -w '%{http_code}' -H "Expect:" -H "Authorization: Bearer $token" \
    -F type=other -F "title=bench upload $1" -F "file=@$tmp/file$1.png;type=image/png" \
    "$GATEWAY_URL/v1/cases/$case_id/documents" >"$tmp/up$1.code"
}
download_one() { # i
  local doc
  doc=$(sed -E 's/.*"id":"([^"]+)".*/\1/' "$tmp/up$1.json")
  curl -sS -o "$tmp/down$1.png" -w '%{http_code}' -H "Authorization: Bearer $token" \
    "$GATEWAY_URL/v1/cases/$case_id/documents/$doc/content" >"$tmp/down$1.code"
}

echo
echo "$files x $mib MiB through the gateway at once, $(nproc) CPUs, everything on this one machine;"
echo "commit $(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown), gateway $build/gateway/gateway"
echo
echo "measuring ..."
phase "upload (POST documents)" upload_one
for i in $(seq 1 "$files"); do
  [ "$(cat "$tmp/up$i.code")" = 201 ] || die "upload $i: HTTP $(cat "$tmp/up$i.code") $(head -c 300 "$tmp/up$i.json")"
done
phase "download (GET content)" download_one
for i in $(seq 1 "$files"); do
  [ "$(cat "$tmp/down$i.code")" = 200 ] || die "download $i: HTTP $(cat "$tmp/down$i.code")"
  cmp -s "$tmp/file$i.png" "$tmp/down$i.png" || die "download $i is not the file uploaded"
done
spooled=$({ find "$tmp/stack/gateway-spool" -type f 2>/dev/null || true; } | wc -l)

echo
printf '%-28s %8s %8s %8s %8s %7s %9s\n' "phase" "gw MB" "gw peak" "cases MB" "peak" "s" "MiB/s"
printf '%-28s %8s %8s %8s %8s %7s %9s\n' "-----" "-----" "-------" "--------" "----" "-" "-----"
printf '%s\n' "${rows[@]}"
echo
echo "(MB: VmRSS before the phase; peak: the largest of VmHWM after it and VmRSS sampled every 20 ms)"
echo "every download is byte for byte the file uploaded; files left in the gateway's spool: $spooled"
