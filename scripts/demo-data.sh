#!/usr/bin/env bash
# Loads the demo portal (logins in README.md, "Demo logins") into a running suite's database.
# The policy and cases services must have started once (they migrate their schemas); a second load changes
# nothing.
#   scripts/demo-data.sh PG_PORT [BIN_DIR]     BIN_DIR defaults to <source>/build
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
pg_port=${1:?usage: scripts/demo-data.sh PG_PORT [BIN_DIR]}
bin=${2:-$src/build}
policy="$bin/services/policy/policy"

if [ ! -x "$policy" ]; then
  echo "error: $policy not found; build first (make build)" >&2
  exit 1
fi
# Only what `policy demo-data` reads; it needs no signing key, Redis or port of its own.
if ! env "DATABASE_URL=host=127.0.0.1 port=$pg_port dbname=claimsuite user=policy" \
    "MIGRATIONS_DIR=$src" LOG_LEVEL=warning "$policy" demo-data; then
  echo "error: demo data could not be loaded (see the lines above)" >&2
  exit 1
fi
# Demo cases: plain SQL in the cases schema, after the cases service has migrated it.
if ! PGPASSWORD=cases PGOPTIONS="-c client_min_messages=warning" psql -h 127.0.0.1 -p "$pg_port" \
    -U cases -d claimsuite -q -f "$src/services/cases/demo/demo-cases.sql" >/dev/null; then
  echo "error: demo cases could not be loaded (see the lines above)" >&2
  exit 1
fi
echo "demo data loaded (logins in README.md)"
