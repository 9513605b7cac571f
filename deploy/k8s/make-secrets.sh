#!/usr/bin/env bash
# Writes the Secrets the manifests beside this file use, with real values, so that nothing
# applied holds a placeholder:
#   DB_HOST=db.internal SIGNING_KEY_FILE=signing-key.json bash deploy/k8s/make-secrets.sh OUT_DIR
#   kubectl apply -f deploy/k8s/ && kubectl apply -f OUT_DIR/secrets.yaml
#   psql "host=db.internal dbname=claimsuite user=postgres sslmode=require" -f OUT_DIR/db-roles.sql
# OUT_DIR/secrets.yaml: claimsuite-db (the four services' DATABASE_URLs), claimsuite-signing-key,
# claimsuite-platform-operator and claimsuite-services (Redis's password, the services' shared
# secret). OUT_DIR/db-roles.sql: the four roles and schemas with those passwords
# (deploy/db/bootstrap.sql, run once as a superuser). Both files are mode 0600; an OUT_DIR that
# already holds them is refused, so secrets are never replaced by accident.
# Settings (environment):
#   DB_HOST            PostgreSQL's host (required); DB_PORT (5432), DB_NAME (claimsuite)
#   DB_SSLMODE         require (default), verify-ca or verify-full: outside a local run the
#                      connection is encrypted; weaker modes are refused
#   SIGNING_KEY_FILE   the policy service's private JWK (`claimsuite-keygen FILE`, or
#                      `docker run --rm -v "$PWD:/out" claimsuite:latest keygen /out/signing-key.json`)
#   POLICY_DB_PASSWORD, CASES_DB_PASSWORD, CUSTOMER_DB_PASSWORD, ORDERS_DB_PASSWORD,
#   PLATFORM_OPERATOR_ID (operator), PLATFORM_OPERATOR_SECRET, REDIS_PASSWORD, SERVICE_SECRET:
#                      given, or drawn at random (32 bytes from /dev/urandom)
set -euo pipefail

die() { echo "make-secrets: $*" >&2; exit 1; }
bootstrap=$(cd "$(dirname "$0")/../db" && pwd)/bootstrap.sql
[ "$#" -eq 1 ] || die "usage: DB_HOST=... SIGNING_KEY_FILE=... make-secrets.sh OUT_DIR"
out=$1
[ -n "${DB_HOST:-}" ] || die "DB_HOST (PostgreSQL's host) is required"
sslmode=${DB_SSLMODE:-require}
case "$sslmode" in
  require|verify-ca|verify-full) ;;
  *) die "DB_SSLMODE=$sslmode: outside a local run use require, verify-ca or verify-full" ;;
esac
key=${SIGNING_KEY_FILE:-}
[ -n "$key" ] && [ -s "$key" ] || die "SIGNING_KEY_FILE must name the signing key (claimsuite-keygen FILE)"
grep -q '"d"' "$key" || die "$key holds no private key (a JWK with \"d\")"
mkdir -p "$out"
[ ! -e "$out/secrets.yaml" ] && [ ! -e "$out/db-roles.sql" ] \
  || die "$out already holds secrets.yaml or db-roles.sql: keep them, or remove them first"

random() { head -c 32 /dev/urandom | base64 | tr -d '\n=' | tr '+/' '-_'; }
# a value safe inside a libpq conninfo, YAML double quotes and SQL single quotes
checked() { # name value
  [[ $2 =~ ^[A-Za-z0-9._~-]{16,}$ ]] || die "$1: 16 characters at least, letters, digits and ._~- only"
  printf '%s' "$2"
}
port=${DB_PORT:-5432}
[[ $port =~ ^[0-9]+$ ]] || die "DB_PORT must be a number"
[[ $DB_HOST =~ ^[A-Za-z0-9.:-]+$ ]] || die "DB_HOST: a host name or address"
dbname=${DB_NAME:-claimsuite}
[[ $dbname =~ ^[a-z_][a-z0-9_]*$ ]] || die "DB_NAME: lower-case letters, digits and _"
declare -A pw
for role in policy cases customer orders; do
  var=${role^^}_DB_PASSWORD
  pw[$role]=$(checked "$var" "${!var:-$(random)}")
done
operator_id=${PLATFORM_OPERATOR_ID:-operator}
[[ $operator_id =~ ^[A-Za-z0-9._-]+$ ]] || die "PLATFORM_OPERATOR_ID: letters, digits and ._-"
operator_secret=$(checked PLATFORM_OPERATOR_SECRET "${PLATFORM_OPERATOR_SECRET:-$(random)}")
redis_password=$(checked REDIS_PASSWORD "${REDIS_PASSWORD:-$(random)}")
service_secret=$(checked SERVICE_SECRET "${SERVICE_SECRET:-$(random)}")
[ "${#service_secret}" -ge 32 ] || die "SERVICE_SECRET: 32 characters at least"

umask 077
meta() { # name
  printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n  namespace: claimsuite\n' "$1"
  printf '  labels:\n    app.kubernetes.io/part-of: claimsuite\ntype: Opaque\nstringData:\n'
}
{
  echo "# Written by deploy/k8s/make-secrets.sh: keep it out of version control."
  meta claimsuite-db
  for role in policy cases customer orders; do
    printf '  %s-database-url: "host=%s port=%s dbname=%s user=%s password=%s sslmode=%s"\n' \
      "$role" "$DB_HOST" "$port" "$dbname" "$role" "${pw[$role]}" "$sslmode"
  done
  echo "---"
  meta claimsuite-signing-key
  echo "  signing-key.json: |"
  sed 's/^/    /' "$key"
  [ -z "$(tail -c1 "$key")" ] || echo
  echo "---"
  meta claimsuite-platform-operator
  printf '  id: "%s"\n  secret: "%s"\n' "$operator_id" "$operator_secret"
  echo "---"
  meta claimsuite-services
  printf '  redis-password: "%s"\n  service-secret: "%s"\n' "$redis_password" "$service_secret"
} >"$out/secrets.yaml.tmp"
{
  echo "-- Written by deploy/k8s/make-secrets.sh: the service roles with the passwords of secrets.yaml."
  echo "-- Run once as a superuser; it includes $bootstrap."
  for role in policy cases customer orders; do
    printf '\\set role %s\n\\set password %s\n\\i %s\n' "$role" "${pw[$role]}" "$bootstrap"
  done
} >"$out/db-roles.sql.tmp"
mv "$out/secrets.yaml.tmp" "$out/secrets.yaml"
mv "$out/db-roles.sql.tmp" "$out/db-roles.sql"
echo "make-secrets: wrote $out/secrets.yaml and $out/db-roles.sql (mode 0600)"
echo "make-secrets: Redis's user \"claimsuite\" needs the password in secrets.yaml (redis-password)"
