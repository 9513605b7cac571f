#!/usr/bin/env bash
# The API contract (CTest: check.contract): every OpenAPI document (gateway/openapi.yaml,
# services/*/openapi.yaml) and the merged one the gateway serves at /v1/openapi.json
# (gateway/docs_merge.py) pass Redocly CLI and Spectral (spectral:oas and the OWASP API Security
# ruleset) with no error and no warning. The rules and each exception with its reason:
# tests/contract/{spectral,spectral-merged,redocly}.yaml. The linters come from npm (pinned
# below), installed once into BUILD_DIR/contract-npm (never committed).
#   contract.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1 bin=$2
redocly_version=2.77.0            # the last line that runs on Node 20 (needs >= 20.19)
spectral_version=6.16.3
owasp_version=2.0.1

command -v node >/dev/null && command -v npm >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
}
cache=$bin/contract-npm
have() { node -p "require('$cache/node_modules/$1/package.json').version" 2>/dev/null || true; }
if [ "$(have @redocly/cli)" != "$redocly_version" ] || [ "$(have @stoplight/spectral-cli)" != "$spectral_version" ] ||
  [ "$(have @stoplight/spectral-owasp-ruleset)" != "$owasp_version" ]; then
  echo "contract: installing @redocly/cli@$redocly_version @stoplight/spectral-cli@$spectral_version" \
    "@stoplight/spectral-owasp-ruleset@$owasp_version from npm into $cache"
  mkdir -p "$cache"
  npm install --prefix "$cache" --no-audit --no-fund --loglevel=error "@redocly/cli@$redocly_version" \
    "@stoplight/spectral-cli@$spectral_version" "@stoplight/spectral-owasp-ruleset@$owasp_version" >/dev/null
fi

out=$bin/contract
mkdir -p "$out"
cd "$src"
docs=(gateway/openapi.yaml services/policy/openapi.yaml services/cases/openapi.yaml
  services/customer/openapi.yaml services/orders/openapi.yaml)
python3 gateway/docs_merge.py "$src" "$out/openapi.json"

failed=0
# Spectral: the rulesets extend packages of the cache (NODE_PATH); warnings fail too.
spectral() {
  NODE_PATH=$cache/node_modules "$cache/node_modules/.bin/spectral" lint --fail-severity=hint \
    --format=stylish "$@"
}
spectral -r tests/contract/spectral.yaml "${docs[@]}" >"$out/spectral.txt" 2>&1 || failed=1
spectral -r tests/contract/spectral-merged.yaml "$out/openapi.json" >>"$out/spectral.txt" 2>&1 || failed=1
# Redocly: exits 1 on errors only, so its warnings are counted from its JSON report.
if ! "$cache/node_modules/.bin/redocly" lint --config tests/contract/redocly.yaml --format=json \
  "${docs[@]}" "$out/openapi.json" >"$out/redocly.json" 2>"$out/redocly.err"; then
  failed=1
fi
redocly_problems=$(python3 - "$out/redocly.json" <<'PY'
import json, sys
# one JSON report per document, one after another
text, problems, at = open(sys.argv[1]).read(), [], 0
try:
    while text[at:].strip():
        report, end = json.JSONDecoder().raw_decode(text, at + len(text[at:]) - len(text[at:].lstrip()))
        problems += report["problems"]
        at = end
except (ValueError, KeyError):
    print(-1)
    sys.exit()
for p in problems:
    loc = (p.get("location") or [{}])[0]
    print("%s %s %s %s" % (p["severity"], p["ruleId"], loc.get("source", {}).get("ref", "?"),
                           loc.get("pointer", "")), file=sys.stderr)
print(len(problems))
PY
)
[ "$redocly_problems" = 0 ] || failed=1

if [ "$failed" != 0 ]; then
  cat "$out/spectral.txt" >&2
  echo "redocly: $redocly_problems problems (report: $out/redocly.json)" >&2
  cat "$out/redocly.err" >&2
  echo "contract: FAILED (${#docs[@]} documents and the merged one)" >&2
  exit 1
fi
paths=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['paths']))" "$out/openapi.json")
echo "contract: ${#docs[@]} documents and the merged one ($paths paths) pass Spectral" \
  "$spectral_version (spectral:oas, OWASP $owasp_version) and Redocly $redocly_version: 0 errors, 0 warnings"
