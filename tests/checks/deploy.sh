#!/usr/bin/env bash
# Static checks of the deployment files: docker-compose.yml, deploy/Dockerfile, the entrypoint,
# the Kubernetes manifests and the OpenAPI documents. No Docker engine needed; fast.
#   bash tests/checks/deploy.sh SOURCE_DIR [BINARY_DIR]
# With BINARY_DIR holding built binaries, also checks that the image's runtime stage installs
# the Debian package of every shared library they link.
# shellcheck disable=SC2016 # the bash -c snippets get their arguments as $1
set -u

src=$(cd "${1:?usage: deploy.sh SOURCE_DIR [BINARY_DIR]}" && pwd)
bin=${2:-}
services="policy cases customer orders"
programs="policy cases customer orders gateway"

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   - $*"; }
fail() { failed=$((failed + 1)); echo "FAIL - $*"; }
check() { # description command...
  local what=$1; shift
  local out
  if out=$("$@" 2>&1); then ok "$what"; else fail "$what"; [ -n "$out" ] && printf '       %s\n' "$out" | head -20; fi
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

dockerfile=$src/deploy/Dockerfile
entrypoint=$src/deploy/entrypoint.sh
compose=$src/docker-compose.yml

# --- files exist ---------------------------------------------------------------------------
for f in deploy/Dockerfile .dockerignore docker-compose.yml deploy/entrypoint.sh \
         deploy/postgres-init.sh deploy/db/bootstrap.sql bench/gateway.sh \
         gateway/openapi.yaml; do
  check "$f exists and is not empty" test -s "$src/$f"
done
for s in $services; do check "services/$s/openapi.yaml exists and is not empty" test -s "$src/services/$s/openapi.yaml"; done
k8s_files=("$src"/deploy/k8s/*.yaml)
check "deploy/k8s has manifests" test -s "${k8s_files[0]}"

# --- docker-compose.yml --------------------------------------------------------------------
if command -v docker-compose >/dev/null 2>&1; then
  # Defaults only: variables of the caller's environment must not decide the outcome.
  check "docker-compose config -q accepts docker-compose.yml" \
    env -u POSTGRES_PASSWORD -u LOG_LEVEL docker-compose -f "$compose" config -q
  if docker-compose -f "$compose" config --services >"$work/services" 2>&1; then
    for s in postgres redis keygen $programs; do
      check "compose defines service $s" grep -qx "$s" "$work/services"
    done
  else
    fail "docker-compose config --services"
  fi
else
  fail "docker-compose is not installed (Debian package docker-compose): cannot validate docker-compose.yml"
fi

for s in $services; do
  check "compose gives $s Redis's password and the services' secret as files" \
    bash -c 'docker-compose -f "$1" config 2>/dev/null | python3 -c "
import sys, yaml
s = yaml.safe_load(sys.stdin)[\"services\"][sys.argv[1]]
env, secrets = s[\"environment\"], [x[\"source\"] for x in s.get(\"secrets\", [])]
assert env[\"REDIS_PASSWORD_FILE\"] == \"/run/secrets/redis_password\" and \"redis_password\" in secrets
assert env[\"SERVICE_SECRET_FILE\"] == \"/run/secrets/service_secret\" and \"service_secret\" in secrets
" "$2"' _ "$compose" "$s"
done
check "compose: policy believes X-Forwarded-For from the gateway's fixed address only" \
  bash -c 'docker-compose -f "$1" config 2>/dev/null | python3 -c "
import sys, yaml
s = yaml.safe_load(sys.stdin)[\"services\"]
gw = s[\"gateway\"][\"networks\"][\"default\"][\"ipv4_address\"]
assert s[\"policy\"][\"environment\"][\"AUTH_TRUSTED_PROXIES\"] == gw, gw
"' _ "$compose"
check "compose gives policy the platform operator's secret as a file" \
  bash -c 'grep -q "PLATFORM_OPERATOR_SECRET_FILE: /run/secrets/platform_operator_secret" "$1" && grep -q "^secrets:" "$1"' _ "$compose"

# --- Dockerfile ----------------------------------------------------------------------------
froms=$(grep -ciE '^[[:space:]]*FROM[[:space:]]' "$dockerfile")
check "Dockerfile has two stages (FROM lines: $froms)" test "$froms" -eq 2
check "Dockerfile builds FROM debian:12" grep -qiE '^[[:space:]]*FROM[[:space:]]+debian:12[[:space:]]+AS[[:space:]]+build' "$dockerfile"
last_from=$(grep -iE '^[[:space:]]*FROM[[:space:]]' "$dockerfile" | tail -1 | awk '{print $2}')
check "Dockerfile runtime stage is debian:12-slim (is: $last_from)" test "$last_from" = "debian:12-slim"
last_user=$(grep -iE '^[[:space:]]*USER[[:space:]]' "$dockerfile" | tail -1 | awk '{print $2}')
check "Dockerfile runs as a non-root USER (is: ${last_user:-none})" \
  bash -c '[ -n "$1" ] && [ "$1" != root ] && [ "${1%%:*}" != 0 ]' _ "$last_user"
check "Dockerfile ENTRYPOINT is the entrypoint script" \
  grep -qE '^[[:space:]]*ENTRYPOINT[[:space:]]+\[[[:space:]]*"/opt/claimsuite/bin/entrypoint.sh"' "$dockerfile"
check "Dockerfile copies the build stage's install tree" grep -qE '^[[:space:]]*COPY[[:space:]]+--from=build[[:space:]]+/opt/claimsuite' "$dockerfile"
check "Dockerfile builds without tests, in Release" grep -q -- '-DCLAIMSUITE_TESTS=OFF -DCMAKE_BUILD_TYPE=Release' "$dockerfile"
check "Dockerfile sets MIGRATIONS_DIR and OPENAPI_DIR" \
  bash -c 'grep -q "MIGRATIONS_DIR=/opt/claimsuite/share/claimsuite" "$1" && grep -q "OPENAPI_DIR=/opt/claimsuite/share/claimsuite" "$1"' _ "$dockerfile"
for doc in gateway/openapi.yaml $(for s in $services; do echo "services/$s/openapi.yaml"; done); do
  check "Dockerfile installs $doc" grep -q "$doc" "$dockerfile"
done
check ".dockerignore keeps build trees and .git out" \
  bash -c 'grep -qx "\.git" "$1" && grep -q "^build" "$1"' _ "$src/.dockerignore"

# The runtime packages (the runtime stage's apt-get install line) cover every shared library
# the built binaries link directly.
runtime_pkgs=$(awk '/^[[:space:]]*FROM[[:space:]]/ {stage++} stage == 2' "$dockerfile" \
  | sed -n '/apt-get install/,/rm -rf/p' | sed 's|\\||g' | tr ' ' '\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' \
  | grep -vE '^(apt-get|install|rm|no-install-recommends|y)$' | sort -u)
check "runtime stage installs ca-certificates and no curl (claimsuite-healthcheck does the checks)" \
  bash -c '! grep -qx curl <<<"$1" && grep -qx ca-certificates <<<"$1"' _ "$runtime_pkgs"
check "no health check in docker-compose.yml or the Dockerfile needs curl" \
  bash -c '! grep -nE "(CMD|test:).*curl" "$1" "$2"' _ "$src/docker-compose.yml" "$dockerfile"
built=()
if [ -n "$bin" ]; then
  for p in services/policy/policy services/cases/cases services/customer/customer \
           services/orders/orders gateway/gateway services/policy/claimsuite-keygen \
           common/claimsuite-healthcheck; do
    [ -x "$bin/$p" ] && built+=("$bin/$p")
  done
fi
if [ "${#built[@]}" -gt 0 ] && command -v dpkg >/dev/null && command -v ldd >/dev/null; then
  # Direct dependencies (NEEDED) resolved to files, then to their Debian packages.
  needed=$(for b in "${built[@]}"; do objdump -p "$b" 2>/dev/null | awk '$1 == "NEEDED" {print $2}'; done | sort -u)
  libfiles=$(for b in "${built[@]}"; do ldd "$b"; done | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' | sort -u \
    | while read -r soname file; do grep -qx "$soname" <<<"$needed" && readlink -f "$file"; done | sort -u)
  missing=""
  while read -r file; do
    [ -n "$file" ] || continue
    pkg=$(dpkg -S "$file" 2>/dev/null | head -1 | cut -d: -f1)
    if [ -z "$pkg" ]; then
      # usr-merge: the package may list it under /lib instead of /usr/lib.
      pkg=$(dpkg -S "${file#/usr}" 2>/dev/null | head -1 | cut -d: -f1)
    fi
    case "$pkg" in
      libc6|libgcc-s1) continue ;;             # in every Debian image
      libasan*|libubsan*) continue ;;          # sanitizer builds only, never in the image
      "") missing="$missing $file(unknown package)"; continue ;;
    esac
    grep -qx "$pkg" <<<"$runtime_pkgs" || missing="$missing $pkg($(basename "$file"))"
  done <<<"$libfiles"
  check "runtime stage installs the package of every linked library (${#built[@]} binaries)" \
    bash -c '[ -z "$1" ] || { echo "not installed in the runtime stage:$1"; false; }' _ "$missing"
else
  echo "skip - linked-library check: no built binaries under '${bin:-<no BINARY_DIR>}'"
fi

# --- entrypoint ----------------------------------------------------------------------------
check "entrypoint.sh is executable" test -x "$entrypoint"
check "entrypoint.sh: sh -n" sh -n "$entrypoint"
fake=$work/bin
mkdir -p "$fake"
for p in $programs claimsuite-keygen claimsuite-healthcheck; do
  printf '#!/bin/sh\necho "%s $*"\n' "$p" > "$fake/$p"
  chmod +x "$fake/$p"
done
for p in $programs; do
  out=$(CLAIMSUITE_BIN_DIR=$fake sh "$entrypoint" "$p" --flag 2>&1)
  check "entrypoint.sh $p runs the $p binary with its arguments" test "$out" = "$p --flag"
done
out=$(CLAIMSUITE_BIN_DIR=$fake sh "$entrypoint" keygen /keys/k.json 2>&1)
check "entrypoint.sh keygen FILE runs claimsuite-keygen FILE" test "$out" = "claimsuite-keygen /keys/k.json"
out=$(PORT=8083 CLAIMSUITE_BIN_DIR=$fake sh "$entrypoint" healthcheck /readyz 2>&1)
check "entrypoint.sh healthcheck PATH runs claimsuite-healthcheck PORT PATH" \
  test "$out" = "claimsuite-healthcheck 8083 /readyz"
out=$(PORT=8080 CLAIMSUITE_BIN_DIR=$fake sh "$entrypoint" healthcheck 2>&1)
check "entrypoint.sh healthcheck asks /healthz by default" test "$out" = "claimsuite-healthcheck 8080 /healthz"
CLAIMSUITE_BIN_DIR=$fake sh "$entrypoint" no-such-program >"$work/unknown.out" 2>&1
rc=$?
check "entrypoint.sh with an unknown name exits 64 (got $rc)" test "$rc" -eq 64
check "entrypoint.sh says why it refuses" grep -q "unknown program" "$work/unknown.out"
CLAIMSUITE_BIN_DIR=$fake sh "$entrypoint" >/dev/null 2>&1
rc=$?
check "entrypoint.sh without a name exits 64 (got $rc)" test "$rc" -eq 64
CLAIMSUITE_BIN_DIR=$fake sh "$entrypoint" keygen >/dev/null 2>&1
rc=$?
check "entrypoint.sh keygen without FILE exits 64 (got $rc)" test "$rc" -eq 64

# --- shell scripts -------------------------------------------------------------------------
for f in "$src"/deploy/*.sh "$src"/deploy/k8s/*.sh "$src"/tests/containers/*.sh "$src"/bench/*.sh "$src"/tests/checks/*.sh "$src"/scripts/*.sh \
         "$src"/tests/support/*.sh; do
  [ -f "$f" ] || continue
  check "bash -n ${f#"$src"/}" bash -n "$f"
done
check "postgres-init.sh creates the four service roles with bootstrap.sql" \
  bash -c 'grep -q "for role in policy cases customer orders" "$1" && grep -q "bootstrap.sql" "$1"' _ "$src/deploy/postgres-init.sh"

# --- YAML: Kubernetes manifests and OpenAPI documents ---------------------------------------
# python3 with PyYAML: Debian's python3-yaml (a dependency of the docker-compose package).
# DEPLOY_CHECK_NO_PYTHON=1 exercises the grep-only fallback.
py=""
[ -n "${DEPLOY_CHECK_NO_PYTHON:-}" ] || for cand in python3 /usr/bin/python3; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import yaml' >/dev/null 2>&1; then py=$cand; break; fi
done

if [ -n "$py" ]; then
  "$py" - "$src" <<'PY' >"$work/yaml.out" 2>&1
import glob, os, sys, yaml

src = sys.argv[1]
fails = 0

def report(ok, what):
    global fails
    print(("ok   - " if ok else "FAIL - ") + what)
    if not ok:
        fails += 1

# Kubernetes
programs = {"policy": 8081, "cases": 8082, "customer": 8083, "orders": 8084, "gateway": 8080}
found = {}
for path in sorted(glob.glob(os.path.join(src, "deploy/k8s/*.yaml"))):
    name = os.path.relpath(path, src)
    try:
        docs = [d for d in yaml.safe_load_all(open(path)) if d is not None]
    except yaml.YAMLError as e:
        report(False, f"{name} parses as YAML: {e}")
        continue
    report(len(docs) > 0 and all(isinstance(d, dict) and d.get("apiVersion") and d.get("kind")
                                 and (d.get("metadata") or {}).get("name") for d in docs),
           f"{name}: {len(docs)} resource(s) with apiVersion, kind, metadata.name")
    for d in docs:
        found[(d.get("kind"), d["metadata"]["name"])] = d

# the Secrets are written with real values by deploy/k8s/make-secrets.sh (tests/containers/k8s.sh
# checks them against the Deployments), never applied from here with placeholders
for kind, nm in [("Namespace", "claimsuite"), ("ConfigMap", "claimsuite-config"),
                 ("NetworkPolicy", "default-deny-ingress"),
                 ("NetworkPolicy", "services-from-gateway-and-services")]:
    report((kind, nm) in found, f"k8s {kind} {nm}")

for prog, port in programs.items():
    dep = found.get(("Deployment", prog))
    svc = found.get(("Service", prog))
    report(svc is not None and any(p.get("port") == port for p in svc["spec"]["ports"]),
           f"k8s Service {prog} on port {port}")
    if dep is None:
        report(False, f"k8s Deployment {prog}")
        continue
    pod = dep["spec"]["template"]["spec"]
    c = pod["containers"][0]
    sc = dict(pod.get("securityContext") or {})
    sc.update(c.get("securityContext") or {})
    env = {e["name"]: e for e in c.get("env", [])}
    problems = []
    if not str(c.get("image", "")).startswith("claimsuite:"): problems.append("image")
    if c.get("args") != [prog]: problems.append("args")
    if (c.get("readinessProbe") or {}).get("httpGet", {}).get("path") != "/readyz": problems.append("readinessProbe")
    if (c.get("livenessProbe") or {}).get("httpGet", {}).get("path") != "/healthz": problems.append("livenessProbe")
    if not (c.get("resources") or {}).get("requests") or not (c.get("resources") or {}).get("limits"): problems.append("resources")
    if sc.get("runAsNonRoot") is not True or sc.get("runAsUser") in (None, 0): problems.append("securityContext")
    if env.get("PORT", {}).get("value") != str(port): problems.append("PORT")
    if not any(r.get("configMapRef", {}).get("name") == "claimsuite-config" for r in c.get("envFrom", [])): problems.append("envFrom")
    if prog != "gateway" and "secretKeyRef" not in (env.get("DATABASE_URL", {}).get("valueFrom") or {}): problems.append("DATABASE_URL")
    if prog == "policy" and "SIGNING_KEY_FILE" not in env: problems.append("SIGNING_KEY_FILE")
    if prog == "policy" and "AUTH_TRUSTED_PROXIES" not in env: problems.append("AUTH_TRUSTED_PROXIES")
    for secret in ("REDIS_PASSWORD_FILE", "SERVICE_SECRET_FILE"):
        if prog != "gateway" and secret not in env: problems.append(secret)
    report(not problems, f"k8s Deployment {prog}" + (": bad " + ", ".join(problems) if problems else ""))

# OpenAPI
def resolve(doc, ref):
    cur = doc
    for part in ref[2:].split("/"):
        cur = cur[part.replace("~1", "/").replace("~0", "~")]
    return cur

def refs(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k == "$ref" and isinstance(v, str):
                yield v
            else:
                yield from refs(v)
    elif isinstance(o, list):
        for v in o:
            yield from refs(v)

docs = [(f"services/{s}/openapi.yaml", s) for s in ("policy", "cases", "customer", "orders")]
if os.path.exists(os.path.join(src, "gateway/openapi.yaml")):
    docs.append(("gateway/openapi.yaml", "gateway"))
for rel, owner in docs:
    try:
        doc = yaml.safe_load(open(os.path.join(src, rel)))
    except (OSError, yaml.YAMLError) as e:
        report(False, f"{rel} parses as YAML: {e}")
        continue
    if not isinstance(doc, dict):
        report(False, f"{rel} is a mapping")
        continue
    report(str(doc.get("openapi", "")).startswith("3.1"), f"{rel}: openapi 3.1")
    report(isinstance(doc.get("info"), dict) and "title" in doc["info"] and "version" in doc["info"],
           f"{rel}: info.title and info.version")
    bad = []
    for r in set(refs(doc)):
        try:
            if not r.startswith("#/"):
                raise KeyError(r)
            resolve(doc, r)
        except (KeyError, TypeError):
            bad.append(r)
    report(not bad, f"{rel}: every $ref resolves" + (f" (not: {', '.join(sorted(bad))})" if bad else ""))
    if owner == "gateway":
        continue
    paths = doc.get("paths") or {}
    want = ["/healthz", "/readyz", "/metrics", "/internal/events"] + (["/v1/auth/jwks"] if owner == "policy" else [])
    missing = [p for p in want if "get" not in (paths.get(p) or {})]
    report(not missing, f"{rel}: GET " + ", ".join(want) + (f" (missing: {', '.join(missing)})" if missing else ""))
    comps = doc.get("components") or {}
    problem = (comps.get("schemas") or {}).get("Problem") or {}
    report(set(["type", "title", "status", "detail", "instance", "errors"]) <= set(problem.get("properties", {})),
           f"{rel}: Problem schema (RFC 9457 members and errors)")
    bearer = (comps.get("securitySchemes") or {}).get("bearerAuth") or {}
    report(bearer.get("type") == "http" and bearer.get("scheme") == "bearer", f"{rel}: bearerAuth security scheme")
    report("RequestId" in (comps.get("headers") or {}), f"{rel}: X-Request-Id header component")
    # Every error response is problem+json.
    nonproblem = []
    for p, item in paths.items():
        for m, op in item.items():
            if m not in ("get", "put", "post", "delete", "options", "head", "patch", "trace"):
                continue  # path-level parameters, summary, servers
            for code, resp in (op.get("responses") or {}).items():
                if "$ref" in resp:
                    resp = resolve(doc, resp["$ref"])
                if str(code)[0] in "45" and "application/problem+json" not in (resp.get("content") or {}):
                    nonproblem.append(f"{m.upper()} {p} {code}")
    report(not nonproblem, f"{rel}: error responses are application/problem+json" + (f" (not: {', '.join(nonproblem)})" if nonproblem else ""))

sys.exit(1 if fails else 0)
PY
  rc=$?
  while IFS= read -r line; do
    case "$line" in
      "ok   - "*) passed=$((passed + 1)); echo "$line" ;;
      "FAIL - "*) failed=$((failed + 1)); echo "$line" ;;
      *) echo "       $line" ;;
    esac
  done <"$work/yaml.out"
  [ "$rc" -eq 0 ] || grep -q '^FAIL' "$work/yaml.out" || fail "YAML checks crashed (python exit $rc)"
else
  echo "skip - no python3 with PyYAML (Debian: python3-yaml); grep-level YAML checks only"
  for f in "${k8s_files[@]}"; do
    check "${f#"$src"/}: apiVersion, kind, metadata" \
      bash -c 'grep -q "^apiVersion:" "$1" && grep -q "^kind:" "$1" && grep -q "^metadata:" "$1"' _ "$f"
  done
  for p in $programs; do
    check "k8s Deployment for $p" grep -lq "args: \[\"$p\"\]" "${k8s_files[@]}"
  done
  for s in $services; do
    f=$src/services/$s/openapi.yaml
    check "services/$s/openapi.yaml: openapi 3.1, health paths, Problem, bearerAuth" \
      bash -c 'grep -q "^openapi: 3\.1" "$1" && grep -q "^  /healthz:" "$1" && grep -q "^  /readyz:" "$1" &&
               grep -q "^  /metrics:" "$1" && grep -q "^  /internal/events:" "$1" &&
               grep -q "^    Problem:" "$1" && grep -q "^    bearerAuth:" "$1"' _ "$f"
  done
  check "services/policy/openapi.yaml: /v1/auth/jwks" grep -q "^  /v1/auth/jwks:" "$src/services/policy/openapi.yaml"
fi

echo "deploy checks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
