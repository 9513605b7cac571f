#!/usr/bin/env bash
# The customer page in a real headless browser (CTest: browser.customer_page, label browser):
# Debian's chromium driven by puppeteer-core, which is installed from npm once into
# BUILD_DIR/browser-npm (pinned below; never committed). Runs on the integration tests' stack
# (CLAIMSUITE_STACK_ENV): browser_world makes the case and sends the link, journey.mjs walks the
# customer's journey through the gateway. Screenshots go to BUILD_DIR/browser-screenshots.
#   run.sh SOURCE_DIR BUILD_DIR BROWSER_WORLD_BINARY
set -euo pipefail
src=$1 bin=$2 world_bin=$3
puppeteer_version=24.43.1 # the last line for Node 18/20 (25 needs Node 22); speaks CDP to chromium

chromium=${CHROMIUM:-$(command -v chromium || true)}
if [ -z "$chromium" ] || [ ! -x "$chromium" ]; then
  echo "browser: Debian's chromium is not installed (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
command -v node >/dev/null && command -v npm >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
}
cache=$bin/browser-npm
have=$(node -p "require('$cache/node_modules/puppeteer-core/package.json').version" 2>/dev/null || true)
if [ "$have" != "$puppeteer_version" ]; then
  echo "browser: installing puppeteer-core@$puppeteer_version from npm into $cache"
  mkdir -p "$cache"
  PUPPETEER_SKIP_DOWNLOAD=1 npm install --prefix "$cache" --no-audit --no-fund --loglevel=error \
    "puppeteer-core@$puppeteer_version" >/dev/null
fi

out=$bin/browser-test
mkdir -p "$out"
echo "browser: $("$chromium" --version 2>/dev/null | head -1), puppeteer-core $puppeteer_version, node $(node --version)"
start=$(date +%s%N)
BROWSER_WORLD_OUT=$out/world.json "$world_bin" >"$out/world.log" 2>&1 || {
  cat "$out/world.log" >&2
  echo "browser: preparing the case failed" >&2
  exit 1
}
echo "browser: the case prepared in $(( ($(date +%s%N) - start) / 1000000 )) ms"
BROWSER_WORLD_OUT=$out/world.json BROWSER_OUT_DIR=$out BROWSER_SHOTS_DIR=$bin/browser-screenshots \
  BROWSER_NPM=$cache/node_modules CHROMIUM=$chromium \
  node "$src/tests/browser/journey.mjs"
