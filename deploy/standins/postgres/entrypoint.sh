#!/bin/bash
# Entrypoint of the postgres:15 stand-in (Dockerfile beside it): the official image's contract,
# in short. As root it takes the data directory for the postgres user and runs itself again as
# that user; on an empty data directory it runs initdb (superuser POSTGRES_USER with
# POSTGRES_PASSWORD), creates POSTGRES_DB, runs /docker-entrypoint-initdb.d/* against a server
# listening on its socket only (so a TCP health check stays red until they are done), stops it
# and starts the real one. Bash, because the init scripts may be sourced (as the official image
# does with scripts that are not executable).
set -Eeuo pipefail

if [ "${1:-}" != postgres ]; then
  exec "$@" # anything else, e.g. `psql ...` or `bash`
fi

if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 0700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

POSTGRES_USER=${POSTGRES_USER:-postgres}
POSTGRES_DB=${POSTGRES_DB:-$POSTGRES_USER}
export POSTGRES_USER POSTGRES_DB

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo "postgres stand-in: POSTGRES_PASSWORD is required to initialise the database" >&2
    exit 1
  fi
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust \
    --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 -D "$PGDATA" >/dev/null
  rm -f "$pwfile"
  printf 'host all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"

  # first start: socket only, then the init scripts
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -k /var/run/postgresql" -w start >/dev/null
  export PGHOST=/var/run/postgresql PGUSER=$POSTGRES_USER
  if [ "$POSTGRES_DB" != postgres ]; then
    psql -v ON_ERROR_STOP=1 --no-psqlrc -q -d postgres \
      -c "CREATE DATABASE \"$POSTGRES_DB\""
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    [ -e "$f" ] || continue
    case "$f" in
      *.sh) # shellcheck disable=SC1090 # the init scripts are the caller's
        if [ -x "$f" ]; then echo "postgres stand-in: running $f"; "$f"
        else echo "postgres stand-in: sourcing $f"; . "$f"; fi ;;
      *.sql) echo "postgres stand-in: running $f"
             psql -v ON_ERROR_STOP=1 --no-psqlrc -d "$POSTGRES_DB" -f "$f" ;;
      *) echo "postgres stand-in: ignoring $f" ;;
    esac
  done
  unset PGHOST PGUSER
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  echo "postgres stand-in: initialised $PGDATA"
fi

shift
exec postgres -D "$PGDATA" -c listen_addresses='*' -k /var/run/postgresql "$@"
