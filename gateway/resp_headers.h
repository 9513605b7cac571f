/* Response header edits that respect HTTP's case-insensitive names. ulfius' header map is keyed
 * case-sensitively, and an upstream's headers arrive in the upstream's spelling ("etag",
 * "vary"), so every edit the gateway makes after forwarding goes through these. */
#ifndef CLAIMSUITE_GATEWAY_RESP_HEADERS_H
#define CLAIMSUITE_GATEWAY_RESP_HEADERS_H

#include <ulfius.h>

/* Sets name to value (copied), replacing a value under any spelling of name. CS_OK or
 * CS_ERR_NOMEM. */
int gw_header_set(struct _u_map *map, const char *name, const char *value);
/* Removes name under every spelling. */
void gw_header_remove(struct _u_map *map, const char *name);
/* Adds token to the comma-separated list in name (e.g. Vary: Origin) unless the list names it
 * already (case-insensitive) or is "*". CS_OK or CS_ERR_NOMEM. */
int gw_header_add_token(struct _u_map *map, const char *name, const char *token);
/* 1 when the comma-separated list value names token (case-insensitive, spaces ignored). */
int gw_list_has_token(const char *value, const char *token);

#endif
