#!/usr/bin/env bash
# Fetches Redoc's standalone bundle (npm `redoc`, pinned below; MIT) once into
# BUILD_DIR/docs-npm and prints its path; prints nothing (and warns) when npm cannot get it, so
# the build goes on and GET /docs/redoc.standalone.js answers 404. Only the package's tarball is
# fetched (npm pack): the bundle is browser code and needs none of the package's dependencies.
#   docs_redoc.sh BUILD_DIR
set -uo pipefail
redoc_version=2.5.4 # the 2.x line: its standalone bundle renders OpenAPI 3.1
cache=$1/docs-npm
bundle=$cache/redoc-$redoc_version/bundles/redoc.standalone.js
if [ ! -s "$bundle" ]; then
  mkdir -p "$cache"
  if ! command -v npm >/dev/null ||
    ! tarball=$(cd "$cache" && npm pack --silent "redoc@$redoc_version" 2>/dev/null | tail -1) ||
    [ ! -s "$cache/$tarball" ]; then
    echo "WARNING: redoc@$redoc_version could not be fetched from npm: /docs will have no script" >&2
    exit 0
  fi
  mkdir -p "$cache/redoc-$redoc_version"
  tar -xzf "$cache/$tarball" -C "$cache/redoc-$redoc_version" --strip-components=1 \
    package/bundles/redoc.standalone.js package/LICENSE || exit 0
  rm -f "$cache/$tarball"
fi
echo "$bundle"
