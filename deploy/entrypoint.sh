#!/bin/sh
# Entrypoint of the claimsuite image: runs one of its programs by name.
#   entrypoint.sh policy|cases|customer|orders|gateway [ARGS...]   the service (configured by env)
#   entrypoint.sh keygen FILE                                       writes the signing key (a private
#                                                                    JWK) to FILE unless it exists
#   entrypoint.sh healthcheck [PATH]                                the image's HEALTHCHECK: GET PATH
#                  (default /healthz) on PORT, else on the running program's default port, 2xx
#                  within 2 s (claimsuite-healthcheck: no curl or other tool in the image)
# The program replaces this shell (exec), so it is the process that receives SIGTERM.
# CLAIMSUITE_BIN_DIR overrides where the binaries are (default: this script's directory).
set -eu

bindir=${CLAIMSUITE_BIN_DIR:-$(dirname "$0")}

usage() {
  echo "usage: entrypoint.sh policy|cases|customer|orders|gateway [ARGS...]" >&2
  echo "       entrypoint.sh keygen FILE" >&2
  echo "       entrypoint.sh healthcheck [PATH]" >&2
}

# The port the program in this container listens on: PORT when set (docker-compose.yml and the
# Kubernetes manifests set it), else the default of the program found running.
health_port() {
  if [ -n "${PORT:-}" ]; then echo "$PORT"; return 0; fi
  for f in /proc/[0-9]*/comm; do
    case "$(cat "$f" 2>/dev/null)" in
      gateway) echo 8080; return 0 ;;
      policy) echo 8081; return 0 ;;
      cases) echo 8082; return 0 ;;
      customer) echo 8083; return 0 ;;
      orders) echo 8084; return 0 ;;
    esac
  done
  return 1
}

if [ "$#" -eq 0 ]; then
  echo "entrypoint.sh: which program? none given" >&2
  usage
  exit 64
fi

name=$1
shift
case "$name" in
  policy|cases|customer|orders|gateway)
    exec "$bindir/$name" "$@"
    ;;
  keygen|claimsuite-keygen)
    if [ "$#" -ne 1 ]; then
      echo "entrypoint.sh: keygen needs exactly one argument, the key file to write" >&2
      usage
      exit 64
    fi
    exec "$bindir/claimsuite-keygen" "$1"
    ;;
  healthcheck)
    port=$(health_port) || { echo "entrypoint.sh healthcheck: no program running, PORT unset" >&2; exit 1; }
    exec "$bindir/claimsuite-healthcheck" "$port" "${1:-/healthz}"
    ;;
  *)
    echo "entrypoint.sh: unknown program '$name'" >&2
    usage
    exit 64
    ;;
esac
