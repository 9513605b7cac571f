#!/usr/bin/env bash
# The container check (issue 16): builds the claimsuite image, starts docker-compose.yml's stack
# with stand-ins for PostgreSQL and Redis (deploy/compose.test.yml, deploy/standins/), waits for
# every service to be healthy and drives it through the gateway's published port: the demo
# portal's login, a case created with an Idempotency-Key (and the key replayed), read back, its
# event seen by a consumer (the customer service's read model), then `down` and `up` again with
# the data kept. Everything it started is torn down at the end, also on failure. First it
# validates deploy/k8s/*.yaml against the Kubernetes schemas (k8s.sh beside this).
#   bash tests/containers/check.sh [CACHE_DIR]     CACHE_DIR: build-test/containers-cache
# Runs as root on Debian 12 (CI's machine): installs podman (runc), docker-compose, debootstrap
# when missing. No registry is reachable, so debian:12-slim and debian:12 are made with
# debootstrap (the tarball is kept in CACHE_DIR and imported only when podman lacks them).
# docker-compose talks to podman's Docker-compatible API on a socket of this run; podman runs
# health checks only under systemd, so this script runs them (`podman healthcheck run`) while
# the stack is up. Prints the time of each phase and the total.
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
cache=${1:-$src/build-test/containers-cache}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
project=claimsuiteci
image=claimsuite:latest
pg_image=localhost/claimsuite-standin/postgres:15
redis_image=localhost/claimsuite-standin/redis:7
base_tar=$cache/debian-12-minbase.tar

run=$(mktemp -d /tmp/claimsuite-containers.XXXXXX)
service_pid=""
health_pid=""
compose_up=0
started=$(date +%s)
phase_start=$started
declare -a phases=()

say() { echo "containers: $*"; }
die() { echo "containers: FAIL: $*" >&2; exit 1; }
phase_done() { # name
  local now
  now=$(date +%s)
  phases+=("$(printf '%-28s %4ss' "$1" "$((now - phase_start))")")
  say "$1 done in $((now - phase_start))s"
  phase_start=$now
}
dc() { docker-compose -p "$project" -f "$src/docker-compose.yml" -f "$src/deploy/compose.test.yml" "$@"; }

teardown() {
  local rc=$?
  set +e
  if [ "$rc" -ne 0 ] && [ "$compose_up" = 1 ]; then
    echo "---- containers and the last lines of their logs (the check failed) ----" >&2
    podman ps -a --filter "label=com.docker.compose.project=$project" \
      --format '{{.Names}} {{.Status}}' >&2
    for c in $(podman ps -a -q --filter "label=com.docker.compose.project=$project"); do
      echo "-- $(podman inspect --format '{{.Name}}' "$c")" >&2
      podman logs --tail 15 "$c" 2>&1 | cut -c1-400 >&2
    done
    pg=$(podman ps -q --filter "label=com.docker.compose.project=$project" \
      --filter label=com.docker.compose.service=postgres)
    if [ -n "$pg" ]; then
      echo "-- PostgreSQL sessions" >&2
      podman exec "$pg" psql -U postgres -d claimsuite -c "SELECT pid, usename, state,
        wait_event_type, wait_event, now() - xact_start AS in_xact, left(query, 120) AS query
        FROM pg_stat_activity WHERE backend_type = 'client backend'" >&2 2>&1
    fi
  fi
  if [ "$compose_up" = 1 ] || [ -n "$service_pid" ]; then
    dc down -v --remove-orphans >/dev/null 2>&1
  fi
  [ -n "$health_pid" ] && kill "$health_pid" 2>/dev/null && wait "$health_pid" 2>/dev/null
  [ -n "$service_pid" ] && kill "$service_pid" 2>/dev/null && wait "$service_pid" 2>/dev/null
  rm -rf "$run"
  local now
  now=$(date +%s)
  echo "containers: times"
  for p in "${phases[@]}"; do echo "  $p"; done
  printf '  %-28s %4ss\n' total "$((now - started))"
  case "$rc" in
    0) echo "containers: 1 passed, 0 failed" ;;
    77) echo "containers: skipped" ;;
    *) echo "containers: 0 passed, 1 failed" ;;
  esac
  exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT TERM

if [ "$(id -u)" != 0 ]; then
  say "skipped: needs root (installs packages, runs rootful podman)"
  exit 77
fi

# ---- the Kubernetes manifests against the Kubernetes schemas (no cluster needed) ------------
bash "$src/tests/containers/k8s.sh" "$cache" >"$run/k8s.log" 2>&1 \
  || { cat "$run/k8s.log" >&2; die "deploy/k8s/*.yaml do not validate against the Kubernetes schemas"; }
say "$(tail -1 "$run/k8s.log")"
phase_done "k8s manifests vs schemas"

# ---- what this needs, from Debian ----------------------------------------------------------
# netavark + aardvark-dns: the compose network and its service names; catatonit: `init: true`
want=(podman runc conmon netavark aardvark-dns catatonit iptables docker-compose debootstrap curl jq)
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# crun fails on this kernel's cgroup setup; the default ulimits cannot be set in this sandbox
conf=/etc/containers/containers.conf
if ! grep -qE '^[[:space:]]*runtime[[:space:]]*=[[:space:]]*"runc"' "$conf" 2>/dev/null \
   || ! grep -qE '^[[:space:]]*default_ulimits[[:space:]]*=[[:space:]]*\[\]' "$conf" 2>/dev/null; then
  if [ -s "$conf" ] && grep -qvE '^[[:space:]]*(#.*)?$' "$conf"; then
    die "$conf has settings of its own: add runtime = \"runc\" under [engine] and default_ulimits = [] under [containers]"
  fi
  mkdir -p /etc/containers
  printf '[containers]\ndefault_ulimits = []\n\n[engine]\nruntime = "runc"\n' >"$conf"
  say "wrote $conf (runc, no default ulimits)"
fi

# ---- base images: debootstrap once, import when podman lacks them --------------------------
have_base=1
for tag in 12-slim 12; do podman image exists "docker.io/library/debian:$tag" || have_base=0; done
if [ "$have_base" = 0 ] && [ ! -s "$base_tar" ]; then
  say "making the debian:12 base with debootstrap (kept in $base_tar)"
  root=$run/rootfs
  debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >"$run/debootstrap.log" 2>&1 \
    || { tail -20 "$run/debootstrap.log" >&2; die "debootstrap failed"; }
  # as the official images: the archive, its updates and security; no package cache or lists
  printf '%s\n' 'deb http://deb.debian.org/debian bookworm main' \
    'deb http://deb.debian.org/debian bookworm-updates main' \
    'deb http://deb.debian.org/debian-security bookworm-security main' >"$root/etc/apt/sources.list"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin "$root"/var/lib/apt/lists/*
  tar -C "$root" -cf "$base_tar.tmp" .
  mv "$base_tar.tmp" "$base_tar"
  rm -rf "$root"
fi
for tag in 12-slim 12; do
  if ! podman image exists "docker.io/library/debian:$tag"; then
    say "importing docker.io/library/debian:$tag"
    podman import "$base_tar" "docker.io/library/debian:$tag" >/dev/null
  fi
done
phase_done "prepare (packages, base)"

# ---- images ----------------------------------------------------------------------------------
# --format docker: the OCI format drops HEALTHCHECK
build() { # log-name podman-build-args...
  local log=$run/build-$1.log
  shift
  if ! podman build --pull=never --network host --format docker "$@" >"$log" 2>&1; then
    tail -40 "$log" >&2
    die "podman build $* failed"
  fi
}
build claimsuite -f "$src/deploy/Dockerfile" -t "$image" "$src"
phase_done "build claimsuite image"
build postgres -t "$pg_image" "$src/deploy/standins/postgres"
build redis -t "$redis_image" "$src/deploy/standins/redis"
phase_done "build stand-in images"

size_of() { podman image inspect --format '{{.Size}}' "$1"; }
img=$(size_of "$image")
base=$(size_of docker.io/library/debian:12-slim)
say "image sizes: $image $((img / 1000000)) MB, debian:12-slim base $((base / 1000000)) MB," \
  "added $(((img - base) / 1000000)) MB"
[ "$(podman image inspect --format '{{.Config.Healthcheck}}' "$image")" != "<nil>" ] \
  || die "$image has no HEALTHCHECK"

# ---- the stack -------------------------------------------------------------------------------
sock=$run/podman.sock
podman system service --time=0 "unix://$sock" >"$run/podman-service.log" 2>&1 &
service_pid=$!
export DOCKER_HOST=unix://$sock COMPOSE_PROJECT_NAME=$project
for _ in $(seq 1 50); do
  curl -fsS --unix-socket "$sock" http://d/_ping >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS --unix-socket "$sock" http://d/_ping >/dev/null || die "podman's API socket did not answer"
# what an interrupted earlier run may have left
dc down -v --remove-orphans >/dev/null 2>&1 || true

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
gw_port=18080
while ! port_free "$gw_port"; do gw_port=$((gw_port + 1)); done
export GATEWAY_PORT=$gw_port
gw=http://127.0.0.1:$gw_port

# podman runs HEALTHCHECKs from systemd timers; without systemd, here. As Docker does: after the
# start period every `interval`, so `retries` failures in a row take as long as under Docker;
# within the start period (where failures do not count) every 2 s, so a start is seen at once.
(
  declare -A seen=() every=() grace=() last=()
  secs() { [[ $1 =~ ^([0-9]+)s$ ]] && echo "${BASH_REMATCH[1]}" || echo "$2"; }
  while :; do
    now=$(date +%s)
    for c in $(podman ps -q --filter "label=com.docker.compose.project=$project" 2>/dev/null); do
      if [ -z "${seen[$c]:-}" ]; then
        seen[$c]=$now
        every[$c]=$(secs "$(podman inspect --format '{{.Config.Healthcheck.Interval}}' "$c" 2>/dev/null)" 10)
        grace[$c]=$(secs "$(podman inspect --format '{{.Config.Healthcheck.StartPeriod}}' "$c" 2>/dev/null)" 0)
      fi
      step=${every[$c]}
      [ "$now" -lt $((seen[$c] + grace[$c])) ] && step=2
      if [ $((now - ${last[$c]:-0})) -ge "$step" ]; then
        last[$c]=$now
        podman healthcheck run "$c" >/dev/null 2>&1 || true
      fi
    done
    sleep 1
  done
) &
health_pid=$!

# Every long-running container healthy (keygen: exited 0), or fail naming the one that is not.
# Prints how long each took since `up` began; a slow one (over 30 s) shows its last log lines.
wait_healthy() { # seconds
  local begun=$up_started deadline=$(($(date +%s) + $1)) c name state health all
  local -A ready_after=()
  while :; do
    all=1
    for c in $(podman ps -a -q --filter "label=com.docker.compose.project=$project"); do
      name=$(podman inspect --format '{{.Name}}' "$c")
      state=$(podman inspect --format '{{.State.Status}}' "$c")
      health=$(podman inspect --format '{{.State.Health.Status}}' "$c" 2>/dev/null || echo none)
      case "$name" in
        *keygen*)
          [ "$state" = exited ] && [ "$(podman inspect --format '{{.State.ExitCode}}' "$c")" = 0 ] || all=0 ;;
        *) if [ "$state" = running ] && [ "$health" = healthy ]; then
             [ -n "${ready_after[$name]:-}" ] || ready_after[$name]=$(($(date +%s) - begun))
           else
             all=0
           fi
           [ "$health" = unhealthy ] && die "$name is unhealthy" ;;
      esac
    done
    if [ "$all" = 1 ] && [ -n "$(podman ps -q --filter "label=com.docker.compose.project=$project")" ]; then
      local line="healthy after (s):" slow=0
      for name in "${!ready_after[@]}"; do
        line="$line ${name#"${project}_"}=${ready_after[$name]}"
        [ "${ready_after[$name]}" -gt 30 ] && slow=1
      done
      say "$line"
      if [ "$slow" = 1 ]; then
        echo "-- a slow start: docker-compose up said (seconds since it began)" >&2
        cat "$run/up.log" >&2
        for name in "${!ready_after[@]}"; do
          echo "-- $name: its first warnings" >&2
          podman logs "$name" 2>&1 | grep -m 6 -E '"level":"(warning|error)"' | cut -c1-300 >&2 || true
        done
      fi
      return 0
    fi
    [ "$(date +%s)" -lt "$deadline" ] || die "not every container became healthy within $1 s"
    sleep 2
  done
}

up() {
  compose_up=1
  up_started=$(date +%s)
  # up waits for the depends_on health conditions itself; the gateway's own is waited for below
  # each line of compose's output with the seconds since up began (shown when a start is slow)
  set +o pipefail
  timeout 420 docker-compose -p "$project" -f "$src/docker-compose.yml" \
    -f "$src/deploy/compose.test.yml" up -d --no-build 2>&1 \
    | while IFS= read -r line; do echo "+$(($(date +%s) - up_started))s $line"; done >"$run/up.log"
  local rc=${PIPESTATUS[0]}
  set -o pipefail
  [ "$rc" = 0 ] || { cat "$run/up.log" >&2; die "docker-compose up failed"; }
  wait_healthy 300
}
up
phase_done "stack up (all healthy)"

# ---- the demo portal, as make run loads it ---------------------------------------------------
# `policy demo-data` in the running policy container (its DATABASE_URL), the demo cases' SQL as
# the cases role in the PostgreSQL container (scripts/demo-data.sh does both on a laptop).
pg=$(dc ps -q postgres)
podman exec "$(dc ps -q policy)" entrypoint.sh policy demo-data >"$run/demo.log" 2>&1 \
  || { cat "$run/demo.log" >&2; die "policy demo-data failed"; }
podman exec -i -e PGOPTIONS="-c client_min_messages=warning" "$pg" \
  psql -U cases -d claimsuite -v ON_ERROR_STOP=1 -q <"$src/services/cases/demo/demo-cases.sql" >/dev/null \
  || die "the demo cases could not be loaded"
phase_done "demo data"

# ---- end to end through the gateway ----------------------------------------------------------
# http METHOD PATH [curl args...]: sets $status and $body
http() {
  local method=$1 path=$2
  shift 2
  body=$(curl -sS -o - -w '\n%{http_code}' -X "$method" "$@" "$gw$path") || { status=000; return 0; }
  status=${body##*$'\n'}
  body=${body%$'\n'*}
}
# until PATH answers WANT (the replicas fill from events: a moment after a start)
http_until() { # status seconds method path args...
  local expect=$1 deadline=$(($(date +%s) + $2))
  shift 2
  while :; do
    http "$@"
    [ "$status" = "$expect" ] && return 0
    [ "$(date +%s)" -lt "$deadline" ] || die "$1 $2 answered $status (wanted $expect): $body"
    sleep 1
  done
}
login() {
  http_until 200 60 POST /v1/auth/token -d grant_type=password -d username=handler@demo.test -d password=demo
  token=$(jq -r .access_token <<<"$body")
  [ -n "$token" ] && [ "$token" != null ] || die "no access_token in the token answer: $body"
  auth=(-H "Authorization: Bearer $token")
}
login

claim="CI-$(date +%s)-$$"
key="containers-check-$claim"
case_body=$(jq -nc --arg c "$claim" '{claim_number: $c, damage_type: "water", damage_date: "2026-10-30",
  address: {street: "Sveavägen 1", city: "Stockholm", latitude: 59.33, longitude: 18.06},
  description: "Made by tests/containers/check.sh"}')
json=(-H 'Content-Type: application/json')
# the handler's facts reach the cases service as policy events: retry the create (same key)
http_until 201 60 POST /v1/cases "${auth[@]}" "${json[@]}" -H "Idempotency-Key: $key" -d "$case_body"
case_id=$(jq -r .id <<<"$body")
[ "$(jq -r .claim_number <<<"$body")" = "$claim" ] || die "the created case is not ours: $body"
# the same key again: the stored answer, the same case, no second one
http POST /v1/cases "${auth[@]}" "${json[@]}" -H "Idempotency-Key: $key" -d "$case_body"
[ "$status" = 201 ] && [ "$(jq -r .id <<<"$body")" = "$case_id" ] \
  || die "replaying the Idempotency-Key gave $status: $body"
http GET "/v1/cases/$case_id" "${auth[@]}"
[ "$status" = 200 ] && [ "$(jq -r .claim_number <<<"$body")" = "$claim" ] \
  || die "GET /v1/cases/$case_id answered $status: $body"
say "case $case_id ($claim) created, replayed and read back"
# the consumer: the customer service answers a case's page settings once its event arrived
http_until 200 60 GET "/v1/customer/cases/$case_id/settings" "${auth[@]}"
say "the case's event reached the customer service"
phase_done "end to end"

# ---- down and up again: the data stays ------------------------------------------------------
dc down >"$run/down.log" 2>&1 || { cat "$run/down.log" >&2; die "docker-compose down failed"; }
[ -z "$(podman ps -a -q --filter "label=com.docker.compose.project=$project")" ] \
  || die "containers left after docker-compose down"
up
login
# a service may answer 503 with Retry-After for a moment after its start (its replica and the
# token keys arrive from policy): as a client does, ask again
http_until 200 60 GET "/v1/cases/$case_id" "${auth[@]}"
[ "$(jq -r .claim_number <<<"$body")" = "$claim" ] \
  || die "after down and up, GET /v1/cases/$case_id answered $status: $body"
http_until 200 60 GET "/v1/customer/cases/$case_id/settings" "${auth[@]}"
say "after down and up: the case and the customer service's copy are still there"
phase_done "down, up, data kept"

dc down -v --remove-orphans >/dev/null 2>&1 || die "docker-compose down -v failed"
compose_up=0
phase_done "tear down"
