/* Matching of ulfius-style route patterns, for telling 404 from 405. */
#include "routes.h"

#include <stdio.h>
#include <string.h>

/* Next segment of a path or pattern: skips slashes, sets *len, returns its start or NULL at end
 * (a query string ends the path). */
static const char *next_segment(const char *p, size_t *len) {
  while (*p == '/') p++;
  if (*p == '\0' || *p == '?') return NULL;
  *len = strcspn(p, "/?");
  return p;
}

int route_match(const char *pattern, const char *path) {
  const char *pp = pattern, *sp = path;
  size_t plen = 0, slen = 0;
  for (;;) {
    const char *pseg = next_segment(pp, &plen);
    const char *sseg = next_segment(sp, &slen);
    if (pseg == NULL) return sseg == NULL;
    if (plen == 1 && pseg[0] == '*') return 1;
    if (sseg == NULL) return 0;
    if (pseg[0] != ':' && (plen != slen || strncmp(pseg, sseg, plen) != 0)) return 0;
    pp = pseg + plen;
    sp = sseg + slen;
  }
}

size_t route_allowed_methods(const struct route_entry *table, size_t n, const char *path,
                             char *allow, size_t allow_len) {
  size_t count = 0, used = 0;
  allow[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    if (!route_match(table[i].pattern, path)) continue;
    int seen = 0;
    for (size_t j = 0; j < i && !seen; j++)
      seen = !strcmp(table[j].method, table[i].method) && route_match(table[j].pattern, path);
    if (seen) continue;
    int w = snprintf(allow + used, allow_len - used, "%s%s", count ? ", " : "", table[i].method);
    if (w < 0 || (size_t)w >= allow_len - used) break;
    used += (size_t)w;
    count++;
  }
  return count;
}
