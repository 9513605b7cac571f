#!/usr/bin/env bash
# Validates deploy/k8s/*.yaml and the Secrets deploy/k8s/make-secrets.sh writes against the
# Kubernetes API schemas (k8s-validate.mjs beside this: the npm packages kubernetes-models, whose
# models carry the Kubernetes OpenAPI schemas and validate with ajv, and yaml), and against what
# compose proves (k8s-rules.mjs). The packages are installed once under CACHE_DIR/npm.
#   bash tests/containers/k8s.sh [CACHE_DIR]     CACHE_DIR: build-test/containers-cache
# The schemas check types, required members and enums; like the API server without strict field
# validation, they let unknown members pass.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
cache=${1:-$src/build-test/containers-cache}
mkdir -p "$cache/npm"
cache=$(cd "$cache" && pwd)
command -v node >/dev/null && command -v npm >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
}
if [ ! -f "$cache/npm/node_modules/kubernetes-models/package.json" ] || [ ! -f "$cache/npm/node_modules/yaml/package.json" ]; then
  echo "k8s: installing kubernetes-models and yaml from npm into $cache/npm"
  npm install --prefix "$cache/npm" --no-audit --no-fund --loglevel=error kubernetes-models@5.1 yaml@2 >/dev/null
fi
# The Secrets as an operator writes them (make-secrets.sh), with a throwaway signing key
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
node -e 'const k = require("crypto").generateKeyPairSync("ec", {namedCurve: "P-256"}).privateKey
  .export({format: "jwk"}); console.log(JSON.stringify({...k, kid: "k8s-check", alg: "ES256", use: "sig"}))' \
  >"$work/signing-key.json"
DB_HOST=postgres.example.internal SIGNING_KEY_FILE=$work/signing-key.json \
  bash "$src/deploy/k8s/make-secrets.sh" "$work/secrets" >/dev/null
export NODE_PATH=$cache/npm/node_modules
node "$src/tests/containers/k8s-rules.mjs" "$src/docker-compose.yml" "$work/secrets/secrets.yaml" \
  "$src"/deploy/k8s/*.yaml
node "$src/tests/containers/k8s-validate.mjs" "$src"/deploy/k8s/*.yaml "$work/secrets/secrets.yaml"
