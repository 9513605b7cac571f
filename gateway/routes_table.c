/* The gateway's pure request logic: routing table, public paths, path canonicalisation, request
 * ids, hop-by-hop headers. See routes_table.h. */
#include "routes_table.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "status.h"

static const char *const upstream_names[GW_UP_COUNT] = {"policy", "cases", "customer", "orders"};

const char *gw_upstream_name(int upstream) {
  return (upstream >= 0 && upstream < GW_UP_COUNT) ? upstream_names[upstream] : NULL;
}

int gw_upstream_from_name(const char *name, size_t len) {
  for (int i = 0; i < GW_UP_COUNT; i++) {
    if (strlen(upstream_names[i]) == len && !strncmp(upstream_names[i], name, len)) return i;
  }
  return -1;
}

/* Every public prefix of the API and the service that serves it. A new public path of a service
 * gets its prefix here (and a routing test in tests/integration/test_gateway.c). */
static const struct {
  const char *prefix;
  int upstream;
} default_routes[] = {
    {"/v1/auth", GW_UP_POLICY},
    {"/v1/companies", GW_UP_POLICY},
    {"/v1/offices", GW_UP_POLICY},
    {"/v1/users", GW_UP_POLICY},
    {"/v1/roles", GW_UP_POLICY},
    {"/v1/portal", GW_UP_POLICY},
    {"/v1/portals", GW_UP_POLICY},
    {"/v1/me", GW_UP_POLICY},
    {"/v1/api-clients", GW_UP_POLICY},
    {"/v1/authorize", GW_UP_POLICY},
    {"/v1/cases", GW_UP_CASES},
    {"/v1/temporary-cases", GW_UP_CASES},
    {"/v1/dashboard", GW_UP_CASES},
    {"/v1/reports", GW_UP_CASES},
    {"/v1/rfqs", GW_UP_CASES},
    {"/v1/rfq-invitations", GW_UP_CASES},
    {"/v1/events", GW_UP_CUSTOMER}, /* the pull feed of events (services/customer/feed) */
    {"/v1/customer", GW_UP_CUSTOMER},
    {"/v1/customer-portal", GW_UP_CUSTOMER},
    {"/v1/notifications", GW_UP_CUSTOMER},
    {"/v1/webhooks", GW_UP_CUSTOMER},
    {"/v1/orders", GW_UP_ORDERS},
    {"/v1/approvals", GW_UP_ORDERS},
    {"/c", GW_UP_CUSTOMER}, /* the customer page's files (services/customer/page) */
};

/* an outside partner's RFQ link carries its own credential (services/cases/rfq), and so does
 * the customer page's session (services/customer/access: a cookie the customer service checks);
 * the page's own files (/c) are the same for everyone and open before any session */
static const char *const default_public[] = {"/v1/auth", "/v1/customer-portal",
                                             "/v1/rfq-invitations", "/c"};

void gw_routes_default(struct gw_routes *t) {
  memset(t, 0, sizeof(*t));
  for (size_t i = 0; i < sizeof(default_routes) / sizeof(default_routes[0]); i++) {
    struct gw_route *r = &t->r[t->n++];
    snprintf(r->prefix, sizeof(r->prefix), "%s", default_routes[i].prefix);
    r->len = strlen(r->prefix);
    r->upstream = default_routes[i].upstream;
  }
}

int gw_prefix_matches(const char *prefix, size_t prefix_len, const char *path) {
  return strncmp(path, prefix, prefix_len) == 0 &&
         (path[prefix_len] == '\0' || path[prefix_len] == '/');
}

int gw_routes_match(const struct gw_routes *t, const char *path) {
  int best = -1;
  for (size_t i = 0; i < t->n; i++) {
    const struct gw_route *r = &t->r[i];
    if ((best < 0 || r->len > t->r[best].len) && gw_prefix_matches(r->prefix, r->len, path)) {
      best = (int)i;
    }
  }
  return best;
}

static int check_segments(const char *path, int decode_again);

/* Trims spaces around [*s, *e). */
static void trim(const char **s, const char **e) {
  while (*s < *e && isspace((unsigned char)**s)) (*s)++;
  while (*e > *s && isspace((unsigned char)(*e)[-1])) (*e)--;
}

/* Validates one configured prefix [s, e) and copies it without trailing '/' into out. Returns
 * NULL when fine, else why not (static). */
static const char *copy_prefix(const char *s, const char *e, char out[GW_PREFIX_MAX], size_t *len) {
  size_t n = (size_t)(e - s);
  if (n == 0 || s[0] != '/') return "a prefix must start with '/'";
  while (n > 1 && s[n - 1] == '/') n--;
  if (n == 1) n = 0; /* "/" alone: matches every path */
  if (n >= GW_PREFIX_MAX) return "a prefix is too long";
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c <= 0x20 || c >= 0x7f || c == '?' || c == '%' || c == '#' || c == '=' || c == ';') {
      return "a prefix has a character that is not allowed";
    }
    if (c == '/' && i + 1 < n && s[i + 1] == '/') return "a prefix has an empty segment";
  }
  memcpy(out, s, n);
  out[n] = '\0';
  *len = n;
  int v = check_segments(out, 1);
  if (v == GW_PATH_BAD) return "a prefix has a dot segment";
  if (v == GW_PATH_INTERNAL) return "/internal is never routed";
  return NULL;
}

/* The next non-empty ';'-separated item of a list, trimmed, as [*s, *e); 0 at the end. */
static int next_item(const char **p, const char **s, const char **e) {
  while (**p != '\0') {
    const char *end = strchr(*p, ';');
    if (end == NULL) end = *p + strlen(*p);
    *s = *p;
    *e = end;
    *p = *end ? end + 1 : end;
    trim(s, e);
    if (*s != *e) return 1;
  }
  return 0;
}

int gw_routes_parse(const char *spec, struct gw_routes *t, char *err, size_t errlen) {
  memset(t, 0, sizeof(*t));
  const char *p = spec, *s, *e;
  while (next_item(&p, &s, &e)) {
    const char *eq = memchr(s, '=', (size_t)(e - s));
    if (eq == NULL) {
      snprintf(err, errlen, "GATEWAY_ROUTES: item '%.*s' is not prefix=upstream", (int)(e - s), s);
      goto fail;
    }
    const char *ps = s, *pe = eq, *us = eq + 1, *ue = e;
    trim(&ps, &pe);
    trim(&us, &ue);
    int up = gw_upstream_from_name(us, (size_t)(ue - us));
    if (up < 0) {
      snprintf(err, errlen,
               "GATEWAY_ROUTES: unknown upstream '%.*s' (policy, cases, customer or orders)",
               (int)(ue - us), us);
      goto fail;
    }
    if (t->n >= GW_ROUTES_MAX) {
      snprintf(err, errlen, "GATEWAY_ROUTES: more than %d routes", GW_ROUTES_MAX);
      goto fail;
    }
    struct gw_route *r = &t->r[t->n];
    const char *why = copy_prefix(ps, pe, r->prefix, &r->len);
    if (why != NULL) {
      snprintf(err, errlen, "GATEWAY_ROUTES: '%.*s': %s", (int)(pe - ps), ps, why);
      goto fail;
    }
    for (size_t i = 0; i < t->n; i++) {
      if (!strcmp(t->r[i].prefix, r->prefix)) {
        snprintf(err, errlen, "GATEWAY_ROUTES: prefix '%s' is listed twice", r->prefix);
        goto fail;
      }
    }
    r->upstream = up;
    t->n++;
  }
  if (t->n == 0) {
    snprintf(err, errlen, "GATEWAY_ROUTES: no route given");
    goto fail;
  }
  return CS_OK;
fail:
  memset(t, 0, sizeof(*t));
  return CS_ERR_INVALID;
}

void gw_public_default(struct gw_prefixes *l) {
  memset(l, 0, sizeof(*l));
  for (size_t i = 0; i < sizeof(default_public) / sizeof(default_public[0]); i++) {
    snprintf(l->p[l->n], sizeof(l->p[l->n]), "%s", default_public[i]);
    l->len[l->n] = strlen(l->p[l->n]);
    l->n++;
  }
}

int gw_public_parse(const char *spec, struct gw_prefixes *l, char *err, size_t errlen) {
  memset(l, 0, sizeof(*l));
  const char *p = spec, *s, *e;
  while (next_item(&p, &s, &e)) {
    if (l->n >= GW_PUBLIC_MAX) {
      snprintf(err, errlen, "GATEWAY_PUBLIC_PATHS: more than %d prefixes", GW_PUBLIC_MAX);
      goto fail;
    }
    const char *why = copy_prefix(s, e, l->p[l->n], &l->len[l->n]);
    if (why == NULL && l->len[l->n] == 0) why = "'/' would make every path public";
    if (why != NULL) {
      snprintf(err, errlen, "GATEWAY_PUBLIC_PATHS: '%.*s': %s", (int)(e - s), s, why);
      goto fail;
    }
    l->n++;
  }
  return CS_OK;
fail:
  memset(l, 0, sizeof(*l));
  return CS_ERR_INVALID;
}

int gw_own_endpoint(const char *path) {
  if (!strcmp(path, "/healthz")) return GW_OWN_HEALTHZ;
  if (!strcmp(path, "/readyz")) return GW_OWN_READYZ;
  if (!strcmp(path, "/metrics")) return GW_OWN_METRICS;
  if (gw_prefix_matches("/openapi", 8, path)) return GW_OWN_OPENAPI;
  return -1;
}

int gw_path_is_public(const struct gw_prefixes *l, const char *path) {
  if (gw_own_endpoint(path) >= 0) return 1;
  for (size_t i = 0; i < l->n; i++) {
    if (gw_prefix_matches(l->p[i], l->len[i], path)) return 1;
  }
  return 0;
}

int gw_hex_digit(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Judges one finished segment: "." and ".." are bad, a first segment "internal" is internal. */
static int judge_segment(const char *seg, size_t n, int first) {
  if (n == 1 && seg[0] == '.') return GW_PATH_BAD;
  if (n == 2 && seg[0] == '.' && seg[1] == '.') return GW_PATH_BAD;
  if (first && n == 8 && !strncasecmp(seg, "internal", 8)) return GW_PATH_INTERNAL;
  return GW_PATH_OK;
}

/* Looks at each segment of an already decoded path, decoding it once more on the fly (lenient:
 * a '%' without two hex digits stays literal; a decoded '/' separates segments), so a path that
 * an upstream might decode again cannot hide a dot segment or /internal. Only a segment's part
 * before ';' counts. Empty segments are skipped, as ulfius does. */
static int check_segments(const char *path, int decode_again) {
  char seg[10];
  size_t n = 0;
  int cut = 0, first = 1, v;
  for (const char *p = path;;) {
    int c = (unsigned char)*p;
    if (c != 0 && decode_again && c == '%' && gw_hex_digit(p[1]) >= 0 && gw_hex_digit(p[2]) >= 0) {
      c = gw_hex_digit(p[1]) * 16 + gw_hex_digit(p[2]);
      p += 3;
    } else if (c != 0) {
      p++;
    }
    if (c == '/' || c == 0) {
      if (n > 0 || cut) {
        if ((v = judge_segment(seg, n, first)) != GW_PATH_OK) return v;
        first = 0;
      }
      n = 0;
      cut = 0;
      if (c == 0) return GW_PATH_OK;
      continue;
    }
    if (c == ';') cut = 1;
    if (cut) continue;
    if (n < sizeof(seg)) seg[n] = (char)c;
    n++;
    if (n > sizeof(seg)) n = sizeof(seg); /* too long to be one we look for */
  }
}

int gw_path_canonical(const char *raw, char *out, size_t outlen) {
  size_t n = 0;
  if (raw == NULL || raw[0] != '/' || outlen < 2) return GW_PATH_BAD;
  for (const char *p = raw; *p != '\0';) {
    int c = (unsigned char)*p;
    if (c == '%') {
      int hi = gw_hex_digit(p[1]), lo = hi >= 0 ? gw_hex_digit(p[2]) : -1;
      if (hi < 0 || lo < 0) return GW_PATH_BAD;
      c = hi * 16 + lo;
      p += 3;
    } else {
      p++;
    }
    if (c == 0 || c == '\\') return GW_PATH_BAD;
    if (c == '/' && n > 0 && out[n - 1] == '/') continue;
    if (n + 1 >= outlen) return GW_PATH_BAD;
    out[n++] = (char)c;
  }
  out[n] = '\0';
  int v = check_segments(out, 0);
  if (v == GW_PATH_OK) v = check_segments(out, 1);
  return v;
}

int gw_http_token(const char *s) {
  if (*s == '\0') return 0;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    int c = *p;
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          strchr("!#$%&'*+-.^_`|~", c) != NULL)) {
      return 0;
    }
  }
  return 1;
}

static const char *const hop_by_hop[] = {"Connection", "Keep-Alive",    "Transfer-Encoding",
                                         "TE",         "Trailer",       "Upgrade",
                                         "Host",       "Content-Length"};

int gw_header_is_hop_by_hop(const char *name, const char *connection) {
  for (size_t i = 0; i < sizeof(hop_by_hop) / sizeof(hop_by_hop[0]); i++) {
    if (!strcasecmp(name, hop_by_hop[i])) return 1;
  }
  if (!strncasecmp(name, "Proxy-", 6)) return 1;
  if (connection == NULL) return 0;
  size_t nlen = strlen(name);
  for (const char *p = connection; *p != '\0';) {
    const char *end = strchr(p, ',');
    if (end == NULL) end = p + strlen(p);
    const char *s = p, *e = end;
    p = *end ? end + 1 : end;
    trim(&s, &e);
    if ((size_t)(e - s) == nlen && !strncasecmp(s, name, nlen)) return 1;
  }
  return 0;
}
