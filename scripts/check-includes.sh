#!/usr/bin/env bash
# The layer check: reads the #include "..." lines of the product code (common/, gateway/,
# services/; not tests/) and fails, printing each finding, when
#   (a) includes form a cycle. A node is a module: a .c, the .h of the same name and its
#       private <name>_internal.h in the same folder are one node (x.c includes y.h and y.c
#       includes x.h is a cycle); any other file is a node of its own;
#   (b) a lower layer includes a higher one:
#       - common/ includes nothing of services/ or gateway/;
#       - inside a service, a store file (store_*) includes no domain or HTTP header: only other
#         store_* headers and common headers that are not HTTP (http.h, http_*.h, service.h);
#       - a domain file (neither store_*, http_*, events_* (wiring of a consumer), main.c,
#         tool_*) includes no header of the HTTP
#         layer: http.h, service.h, http_*.h (http_client.h, the client that calls other
#         services, is no HTTP layer: a domain may call out, outside transactions);
#       - one service includes nothing of another, the gateway nothing of a service.
# An include is looked up in the including file's folder, then (services) from the service's
# root when it names a folder ("core/caller.h") or in every folder of the same service, then in
# common/; a name found nowhere is a system or library header.
# Usage: scripts/check-includes.sh [SOURCE_DIR]   (exit 0: clean, 1: findings printed)
set -euo pipefail
src="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
cd "$src"

find common gateway services -type f \( -name '*.c' -o -name '*.h' \) | sort > /tmp/ci_files.$$
trap 'rm -f /tmp/ci_files.$$ /tmp/ci_edges.$$' EXIT
# one line per include: including-file TAB included-name
while read -r f; do
  awk -v f="$f" '/^[ \t]*#[ \t]*include[ \t]*"/ {
      n = $0; sub(/^[^"]*"/, "", n); sub(/".*$/, "", n); print f "\t" n }' "$f"
done < /tmp/ci_files.$$ > /tmp/ci_edges.$$

awk -F'\t' -v files=/tmp/ci_files.$$ '
function dir(p) { return p ~ /\// ? substr(p, 1, match(p, /[^\/]*$/) - 2) : "." }
function base(p) { return substr(p, match(p, /[^\/]*$/)) }
function service(p,  a) { split(p, a, "/"); return a[1] == "services" ? a[2] : "" }
function module(p,  b) {
  b = p; sub(/\.[ch]$/, "", b); sub(/_internal$/, "", b)
  return (b ".c" in exists && b ".h" in exists) ? b : p
}
# the file an include of name from file f resolves to, "" for a system header
function resolve(f, name,  d, s, c) {
  d = dir(f)
  if (name ~ /^\.\.?\//) { c = d "/" name; while (sub(/[^\/]+\/\.\.\//, "", c)); sub(/^\.\//, "", c); gsub(/\/\.\//, "/", c); return (c in exists) ? c : "" }
  if ((d "/" name) in exists) return d "/" name
  s = service(f)
  # a name with a folder ("core/caller.h") is found from the root of the service, as in the build
  if (name ~ /\// && s != "" && ("services/" s "/" name) in exists) return "services/" s "/" name
  if (name ~ /\// && (name in exists)) return name
  if (s != "" && (s SUBSEP name) in by_service) return by_service[s, name]
  if (("common/" name) in exists) return "common/" name
  if (name in anywhere) return anywhere[name]   # found only elsewhere: a reach across
  return ""
}
function layer(p,  b) {
  b = base(p)
  if (p ~ /^common\// || p ~ /^gateway\//) return "common"
  if (b ~ /^store_/) return "store"
  if (b ~ /^http_/ || b == "main.c" || b ~ /^tool_/ || b ~ /^events_/) return "http"
  return "domain"
}
function http_header(p,  b) {
  b = base(p)
  return b == "http.h" || b == "service.h" || (b ~ /^http_.*\.h$/ && b != "http_client.h")
}
function bad(msg) { print "layers: " msg; findings++ }
function visit(n,  i, m, k, path) {
  state[n] = 1; stack[++depth] = n
  for (i = 1; i <= nout[n]; i++) {
    m = out[n, i]
    if (state[m] == 1) {
      path = m; for (k = depth; k >= 1 && stack[k] != m; k--) path = stack[k] " -> " path
      path = m " -> " path
      if (!(path in seen_cycle)) { seen_cycle[path] = 1; print "cycle: " path; findings++ }
    } else if (state[m] == 0) visit(m)
  }
  depth--; state[n] = 2
}
BEGIN {
  while ((getline p < files) > 0) {
    exists[p] = 1
    s = service(p); if (s != "") by_service[s, base(p)] = p
    anywhere[base(p)] = p
  }
}
{
  f = $1; to = resolve(f, $2)
  if (to == "") next
  if (f ~ /^common\// && to !~ /^common\//) bad(f " includes " to ": common/ depends on no service or gateway")
  if (f ~ /^gateway\// && to ~ /^services\//) bad(f " includes " to ": the gateway depends on no service")
  if (service(f) != "" && service(to) != "" && service(f) != service(to)) bad(f " includes " to ": another service")
  if (layer(f) == "store" && ((layer(to) != "store" && layer(to) != "common") || http_header(to)))
    bad(f " includes " to ": a store file includes only store and non-HTTP common headers")
  if (layer(f) == "domain" && http_header(to))
    bad(f " includes " to ": domain code includes no HTTP header (http.h, service.h, http_*.h)")
  a = module(f); b = module(to)
  if (a != b && !((a, b) in edge)) { edge[a, b] = 1; out[a, ++nout[a]] = b; nodes[a] = 1; nodes[b] = 1 }
}
END {
  for (n in nodes) state[n] = 0
  # a stable order, so that the same tree prints the same findings
  cnt = 0; for (n in nodes) order[++cnt] = n
  for (i = 2; i <= cnt; i++) { v = order[i]; for (j = i - 1; j >= 1 && order[j] > v; j--) order[j + 1] = order[j]; order[j + 1] = v }
  for (i = 1; i <= cnt; i++) if (state[order[i]] == 0) visit(order[i])
  if (findings) { print findings " finding(s)"; exit 1 }
  print "includes: no cycle, no layer reaching up (" NR " includes)"
}' /tmp/ci_edges.$$
