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
  chromium # the customer page's browser test (tests/browser), driven by puppeteer-core from npm
  zlib1g-dev libbrotli-dev brotli # the gateway's gzip and br; brotli decodes in its test
  python3-yaml python3-jsonschema # the gateway's merged OpenAPI document (build) and the response check (tests/contract)
  clang libclang-rt-14-dev # the fuzz harnesses (tests/fuzz/run.sh): libFuzzer with ASan and UBSan
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm: the browser test's puppeteer-core and the Kubernetes schema check (both from
# npm); any node on the PATH will do (Debian's, or one installed another way)
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
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
