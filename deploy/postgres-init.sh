#!/usr/bin/env bash
# First-start initialisation of the postgres:15 container (mounted into
# /docker-entrypoint-initdb.d/). The image has already created the database $POSTGRES_DB
# (claimsuite); this creates one login role and one schema per service with
# deploy/db/bootstrap.sql (mounted at $CLAIMSUITE_BOOTSTRAP_SQL), the passwords coming from
# POLICY_DB_PASSWORD, CASES_DB_PASSWORD, CUSTOMER_DB_PASSWORD and ORDERS_DB_PASSWORD.
# The postgres entrypoint runs it only when the data directory is empty, and sources it when it
# is not executable: so no `exit` at top level, and everything inside a function.

claimsuite_bootstrap() {
  local sql=${CLAIMSUITE_BOOTSTRAP_SQL:-/claimsuite/bootstrap.sql}
  local db=${POSTGRES_DB:-claimsuite}
  local role var password
  if [ ! -r "$sql" ]; then
    echo "postgres-init: $sql is missing (mount deploy/db/bootstrap.sql there)" >&2
    return 1
  fi
  for role in policy cases customer orders; do
    var="$(echo "$role" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
    password=${!var:-$role}
    echo "postgres-init: role and schema $role in database $db"
    psql -v ON_ERROR_STOP=1 --no-psqlrc -q --username "${POSTGRES_USER:-postgres}" --dbname "$db" \
      -v role="$role" -v password="$password" -f "$sql" || return 1
  done
}

claimsuite_bootstrap || { echo "postgres-init: failed" >&2; false; }
