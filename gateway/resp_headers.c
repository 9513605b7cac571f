/* Case-insensitive header edits on ulfius maps (see resp_headers.h). */
#include "resp_headers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "status.h"

/* The spelling name has in map, or NULL. */
static const char *key_of(const struct _u_map *map, const char *name) {
  for (int i = 0; i < map->nb_values; i++) {
    if (!strcasecmp(map->keys[i], name)) return map->keys[i];
  }
  return NULL;
}

int gw_header_set(struct _u_map *map, const char *name, const char *value) {
  const char *key = key_of(map, name);
  return u_map_put(map, key != NULL ? key : name, value) == U_OK ? CS_OK : CS_ERR_NOMEM;
}

void gw_header_remove(struct _u_map *map, const char *name) {
  const char *key;
  while ((key = key_of(map, name)) != NULL) {
    char *copy = strdup(key); /* the map frees key while removing it */
    if (copy == NULL || u_map_remove_from_key(map, copy) != U_OK) {
      free(copy);
      return;
    }
    free(copy);
  }
}

int gw_list_has_token(const char *value, const char *token) {
  size_t n = strlen(token);
  for (const char *p = value; p != NULL && *p;) {
    while (*p == ' ' || *p == '\t' || *p == ',') p++;
    const char *end = p;
    while (*end && *end != ',') end++;
    const char *last = end;
    while (last > p && (last[-1] == ' ' || last[-1] == '\t')) last--;
    if ((size_t)(last - p) == n && !strncasecmp(p, token, n)) return 1;
    p = end;
  }
  return 0;
}

int gw_header_add_token(struct _u_map *map, const char *name, const char *token) {
  const char *prev = u_map_get_case(map, name);
  if (prev == NULL || prev[0] == '\0') return gw_header_set(map, name, token);
  if (gw_list_has_token(prev, token) || gw_list_has_token(prev, "*")) return CS_OK;
  size_t n = strlen(prev) + strlen(token) + 3;
  char *joined = malloc(n);
  if (joined == NULL) return CS_ERR_NOMEM;
  snprintf(joined, n, "%s, %s", prev, token);
  int rc = gw_header_set(map, name, joined);
  free(joined);
  return rc;
}
