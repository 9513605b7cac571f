#!/bin/sh
# Entrypoint of the redis:7 stand-in (Dockerfile beside it): `redis-server ARGS` runs as the
# redis user (as the official image does); anything else, such as docker-compose.yml's
# `sh -c '... exec redis-server --aclfile ...'`, runs as given.
set -eu
if [ "${1:-}" = redis-server ] && [ "$(id -u)" = 0 ]; then
  exec setpriv --reuid=redis --regid=redis --init-groups "$@"
fi
exec "$@"
