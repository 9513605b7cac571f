#!/usr/bin/env bash
# Installs the Debian packages the suite needs to build, run and test, when they are missing.
# As root it uses apt-get; otherwise it names what is missing and stops.
set -eu

# postgresql-15 also brings pgbench and auto_explain, which bench/cases.sh and bench/explain.sh
# use; wrk and nginx-light are for bench/ too.
packages=(
  build-essential cmake pkg-config curl ca-certificates
  libcurl4-gnutls-dev libulfius-dev librhonabwy-dev libgnutls28-dev libhiredis-dev
  libjansson-dev libpq-dev libargon2-dev libcmocka-dev libmagic-dev libhpdf-dev libpng-dev
  postgresql-15 redis-server
  docker-compose wrk nginx-light
  postfix # smtp-sink: the SMTP server of the notification tests (test_customer_notify_providers)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "missing Debian packages: ${missing[*]}" >&2
  echo "install them as root: apt-get install ${missing[*]}" >&2
  exit 1
fi

echo "installing: ${missing[*]}"
# Package scripts must not start system-wide PostgreSQL, Redis or nginx: we run our own.
created_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  created_policy=1
fi
cleanup() { [ "$created_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d; return 0; }
trap cleanup EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
