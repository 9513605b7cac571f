#!/bin/sh
# Entrypoint of the claimsuite image: runs one of its programs by name.
#   entrypoint.sh policy|cases|customer|orders|gateway [ARGS...]   the service (configured by env)
#   entrypoint.sh keygen FILE                                       writes the signing key (a private
#                                                                    JWK) to FILE unless it exists
# The program replaces this shell (exec), so it is the process that receives SIGTERM.
# CLAIMSUITE_BIN_DIR overrides where the binaries are (default: this script's directory).
set -eu

bindir=${CLAIMSUITE_BIN_DIR:-$(dirname "$0")}

usage() {
  echo "usage: entrypoint.sh policy|cases|customer|orders|gateway [ARGS...]" >&2
  echo "       entrypoint.sh keygen FILE" >&2
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
  *)
    echo "entrypoint.sh: unknown program '$name'" >&2
    usage
    exit 64
    ;;
esac
