/* The gateway's pure request logic: the prefix routing table (defaults and GATEWAY_ROUTES), the
 * gateway's own endpoints and the public-path list, path canonicalisation (what /internal and
 * dot-segment tricks turn into), HTTP tokens and hop-by-hop header filtering. (Request ids are
 * the HTTP server core's: common/request_id.h.) No I/O, no allocation: unit-tested in
 * tests/unit/test_gateway_routes.c. */
#ifndef CLAIMSUITE_GATEWAY_ROUTES_TABLE_H
#define CLAIMSUITE_GATEWAY_ROUTES_TABLE_H

#include <stddef.h>

/* The upstream services, in this order everywhere (config, health, metrics). */
enum gw_upstream {
  GW_UP_POLICY = 0,
  GW_UP_CASES,
  GW_UP_CUSTOMER,
  GW_UP_ORDERS,
  GW_UP_COUNT
};

/* "policy", "cases", ... (static string) or NULL when out of range. */
const char *gw_upstream_name(int upstream);
/* The upstream named by the len bytes at name, or -1. */
int gw_upstream_from_name(const char *name, size_t len);

#define GW_ROUTES_MAX 64
#define GW_PREFIX_MAX 128

struct gw_route {
  char prefix[GW_PREFIX_MAX]; /* "/v1/cases": starts with '/', no trailing '/' */
  size_t len;
  int upstream; /* enum gw_upstream */
};

/* A fixed-size table: embed it by value, nothing to free. */
struct gw_routes {
  struct gw_route r[GW_ROUTES_MAX];
  size_t n;
};

/* Fills t with the built-in table (/v1/auth → policy, /v1/cases → cases, ...). */
void gw_routes_default(struct gw_routes *t);

/* Parses "prefix=upstream;prefix=upstream" (spaces around items ignored, empty items skipped)
 * into t, replacing its content. On error returns CS_ERR_INVALID with a message naming
 * GATEWAY_ROUTES in err, and t is left empty. */
int gw_routes_parse(const char *spec, struct gw_routes *t, char *err, size_t errlen);

/* 1 when path equals prefix or continues it with '/' (whole segments only). */
int gw_prefix_matches(const char *prefix, size_t prefix_len, const char *path);

/* The index in t of the longest prefix matching the canonical path, or -1. */
int gw_routes_match(const struct gw_routes *t, const char *path);

/* The gateway's own endpoints: answered by the gateway itself, no token needed. */
enum gw_own { GW_OWN_HEALTHZ, GW_OWN_READYZ, GW_OWN_METRICS, GW_OWN_OPENAPI, GW_OWN_COUNT };
/* The enum gw_own the canonical path names (/healthz, /readyz, /metrics, /openapi[/...]), or -1
 * when it is none of them. */
int gw_own_endpoint(const char *path);

/* Paths that need no token (besides the gateway's own /healthz, /readyz, /metrics, /openapi/):
 * a list of prefixes matched on whole segments like the routes. */
#define GW_PUBLIC_MAX 32
struct gw_prefixes {
  char p[GW_PUBLIC_MAX][GW_PREFIX_MAX];
  size_t len[GW_PUBLIC_MAX];
  size_t n;
};

/* /v1/auth, /v1/customer-portal and /v1/rfq-invitations: each carries its own credential. */
void gw_public_default(struct gw_prefixes *l);
/* "prefix;prefix" (GATEWAY_PUBLIC_PATHS), replacing l's content; CS_ERR_INVALID + err on error. */
int gw_public_parse(const char *spec, struct gw_prefixes *l, char *err, size_t errlen);
/* 1 when the canonical path is public (the list, or one of the gateway's own endpoints). */
int gw_path_is_public(const struct gw_prefixes *l, const char *path);

enum gw_path_verdict {
  GW_PATH_OK = 0,
  GW_PATH_BAD = -1,     /* malformed: bad escape, NUL, dot segment, not absolute → 400 */
  GW_PATH_INTERNAL = -2 /* /internal/... in any spelling → 404 */
};

/* Canonicalises the raw request path (no query string) into out: percent-escapes decoded once,
 * runs of '/' collapsed. A dot segment ("." or ".."), also when still encoded after one decoding
 * (%252e%252e), makes the path GW_PATH_BAD; a first segment "internal" (any case, any encoding)
 * makes it GW_PATH_INTERNAL. A path longer than outlen - 1 is GW_PATH_BAD. */
int gw_path_canonical(const char *raw, char *out, size_t outlen);

/* 1 when s is a non-empty HTTP token (RFC 9110 tchar: a header name, a method). */
int gw_http_token(const char *s);

/* The value of the hex digit c ('0'-'9', 'a'-'f', 'A'-'F'), or -1. */
int gw_hex_digit(int c);

/* 1 when the header must not cross the gateway in either direction: Connection, Keep-Alive,
 * Transfer-Encoding, TE, Trailer, Upgrade, Proxy-*, Host, Content-Length, and any name listed
 * in the message's own Connection header (connection may be NULL). Case-insensitive. */
int gw_header_is_hop_by_hop(const char *name, const char *connection);

#endif
