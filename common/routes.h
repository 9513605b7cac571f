/* Route patterns as ulfius writes them ("/v1/cases/:id/tasks"), matched without ulfius, so the
 * fallback endpoint can tell 404 (no such path) from 405 (path exists, not with this method). */
#ifndef CLAIMSUITE_ROUTES_H
#define CLAIMSUITE_ROUTES_H

#include <stddef.h>

/* 1 when path matches pattern: ":name" matches one segment, a final "*" the rest. The query
 * string is ignored, trailing slashes are not significant. */
int route_match(const char *pattern, const char *path);

struct route_entry {
  const char *method;
  const char *pattern;
};

/* Writes the methods (comma-separated, in table order, no duplicates) whose pattern matches path
 * into allow. Returns how many matched. */
size_t route_allowed_methods(const struct route_entry *table, size_t n, const char *path,
                             char *allow, size_t allow_len);

#endif
