#!/usr/bin/env bash
# The layer check (scripts/check-includes.sh) on the tree, and on a copy of it with planted
# violations, which it must catch: a domain file including http.h (also by a folder-qualified
# name), a store file including a domain header, common/ or the gateway including a service
# header, and a cycle of two modules.
# Usage: bash tests/checks/includes.sh SRC_DIR BUILD_DIR
set -uo pipefail
src="${1:?SRC_DIR}"
check="$src/scripts/check-includes.sh"
fail=0

if bash "$check" "$src"; then echo "ok   - the tree's includes"; else echo "FAIL - the tree's includes"; fail=1; fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$src" && find common gateway services -type f \( -name '*.c' -o -name '*.h' \) |
  while read -r f; do mkdir -p "$tmp/$(dirname "$f")" && cp "$f" "$tmp/$f"; done)
echo '#include "http.h"' >> "$tmp/services/cases/task/tasks.c"
echo '#include "tasks.h"' >> "$tmp/services/cases/task/store_tasks.c"
echo '#include "case_op.h"' >> "$tmp/common/db_json.c"
echo '#include "paging.h"' >> "$tmp/common/ids.h"
echo '#include "ids.h"' >> "$tmp/common/paging.h"
echo '#include "core/http_case_op.h"' >> "$tmp/services/cases/ech/ech.c"
echo '#include "../services/cases/core/caller.h"' >> "$tmp/gateway/proxy.c"
out=$(bash "$check" "$tmp" 2>&1)
status=$?
expect() {
  if grep -qF "$1" <<<"$out"; then echo "ok   - caught: $1"; else echo "FAIL - not caught: $1"; fail=1; fi
}
if [ "$status" -eq 0 ]; then echo "FAIL - planted violations passed"; fail=1; fi
expect "services/cases/task/tasks.c includes common/http.h"
expect "services/cases/task/store_tasks.c includes services/cases/task/tasks.h"
expect "common/db_json.c includes services/cases/core/case_op.h"
expect "cycle: common/ids -> common/paging -> common/ids"
expect "services/cases/ech/ech.c includes services/cases/core/http_case_op.h"
expect "gateway/proxy.c includes services/cases/core/caller.h"
exit $fail
