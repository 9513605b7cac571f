/* CORS at the gateway (see cors.h). */
#include "cors.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "resp_headers.h"
#include "status.h"

#define CORS_METHODS "GET, POST, PUT, PATCH, DELETE"
/* What a front end sends beyond the CORS-safelisted headers (traceparent: W3C trace context) */
static const char *const allowed_headers[] = {"Authorization", "Content-Type",    "If-Match",
                                              "If-None-Match", "Idempotency-Key", "X-Request-Id",
                                              "traceparent"};
#define CORS_ALLOW_HEADERS                                                                \
  "Authorization, Content-Type, If-Match, If-None-Match, Idempotency-Key, X-Request-Id, " \
  "traceparent"
/* What a script may read from an answer beyond the safelisted ones */
#define CORS_EXPOSE_HEADERS "ETag, Location, Retry-After, RateLimit, RateLimit-Policy, X-Request-Id"
#define ORIGIN_MAX 255

/* scheme://host[:port], lowercase scheme and host as browsers serialise an origin. */
static int origin_valid(const char *o) {
  const char *host;
  size_t n = strlen(o);
  if (n == 0 || n > ORIGIN_MAX) return 0;
  if (!strncmp(o, "https://", 8))
    host = o + 8;
  else if (!strncmp(o, "http://", 7))
    host = o + 7;
  else
    return 0;
  if (*host == '\0' || *host == ':') return 0;
  for (const char *p = host; *p; p++) {
    unsigned char ch = (unsigned char)*p;
    if (!(islower(ch) || isdigit(ch) || ch == '.' || ch == '-' || ch == ':' || ch == '[' ||
          ch == ']')) {
      return 0;
    }
  }
  return 1;
}

static int add_rule(struct gw_cors *c, const char *origin, size_t olen, const char *portal,
                    size_t plen) {
  struct gw_cors_rule *r = realloc(c->rules, (c->n + 1) * sizeof(*r));
  if (r == NULL) return CS_ERR_NOMEM;
  c->rules = r;
  r = &c->rules[c->n];
  r->origin = strndup(origin, olen);
  r->portal = portal != NULL ? strndup(portal, plen) : NULL;
  c->n++; /* counted even half-made, so that gw_cors_free frees it */
  return r->origin == NULL || (portal != NULL && r->portal == NULL) ? CS_ERR_NOMEM : CS_OK;
}

/* A token of s between delimiters, spaces around it trimmed: [*start, *start + *len). */
static void trim(const char **start, size_t *len) {
  while (*len > 0 && isspace((unsigned char)**start)) (*start)++, (*len)--;
  while (*len > 0 && isspace((unsigned char)(*start)[*len - 1])) (*len)--;
}

/* The origins of list (separated by any of seps) as rules for portal (NULL: every caller). */
static int parse_origins(const char *name, const char *list, size_t list_len, const char *seps,
                         const char *portal, size_t plen, struct gw_cors *c, char *err,
                         size_t errlen) {
  const char *p = list, *end = list + list_len;
  while (p < end) {
    const char *q = p;
    while (q < end && strchr(seps, *q) == NULL) q++;
    const char *o = p;
    size_t olen = (size_t)(q - p);
    trim(&o, &olen);
    if (olen > 0) {
      char origin[ORIGIN_MAX + 2];
      snprintf(origin, sizeof(origin), "%.*s", (int)(olen > ORIGIN_MAX ? ORIGIN_MAX + 1 : olen), o);
      if (!origin_valid(origin)) {
        snprintf(err, errlen,
                 "%s: '%s' is not an origin (http[s]://host[:port] in lowercase, no path)", name,
                 origin);
        return CS_ERR_INVALID;
      }
      int rc = add_rule(c, o, olen, portal, plen);
      if (rc != CS_OK) return rc;
    }
    p = q + 1;
  }
  return CS_OK;
}

int gw_cors_parse(const char *global, const char *per_portal, struct gw_cors *c, char *err,
                  size_t errlen) {
  int rc;
  c->rules = NULL;
  c->n = 0;
  if ((rc = parse_origins("CORS_ALLOWED_ORIGINS", global, strlen(global), ",", NULL, 0, c, err,
                          errlen)) != CS_OK) {
    goto done;
  }
  /* portal=origin|origin;portal=origin */
  for (const char *p = per_portal, *end = per_portal + strlen(per_portal); p < end;) {
    const char *q = p;
    while (q < end && *q != ';') q++;
    const char *item = p;
    size_t ilen = (size_t)(q - p);
    trim(&item, &ilen);
    p = q + 1;
    if (ilen == 0) continue;
    const char *eq = memchr(item, '=', ilen);
    const char *portal = item;
    size_t plen = eq != NULL ? (size_t)(eq - item) : 0;
    trim(&portal, &plen);
    if (eq == NULL || plen == 0) {
      snprintf(err, errlen, "CORS_PORTAL_ORIGINS: '%.*s' is not portal=origin|origin", (int)ilen,
               item);
      rc = CS_ERR_INVALID;
      goto done;
    }
    if ((rc = parse_origins("CORS_PORTAL_ORIGINS", eq + 1, ilen - (size_t)(eq + 1 - item), "|",
                            portal, plen, c, err, errlen)) != CS_OK) {
      goto done;
    }
  }
  rc = CS_OK;
done:
  if (rc == CS_ERR_NOMEM) snprintf(err, errlen, "out of memory reading the CORS origins");
  if (rc != CS_OK) gw_cors_free(c);
  return rc;
}

void gw_cors_free(struct gw_cors *c) {
  if (c == NULL) return;
  for (size_t i = 0; i < c->n; i++) {
    free(c->rules[i].origin);
    free(c->rules[i].portal);
  }
  free(c->rules);
  c->rules = NULL;
  c->n = 0;
}

int gw_cors_allowed(const struct gw_cors *c, const char *origin, const char *portal) {
  if (origin == NULL) return 0;
  for (size_t i = 0; i < c->n; i++) {
    const struct gw_cors_rule *r = &c->rules[i];
    /* scheme and host are case-insensitive; browsers send them in lowercase anyway */
    if (strcasecmp(r->origin, origin) != 0) continue;
    if (r->portal == NULL || portal == NULL || !strcmp(r->portal, portal)) return 1;
  }
  return 0;
}

/* The first name of the comma-separated list that is not one of allowed_headers, copied into
 * out; 0 when every one is allowed. */
static int unallowed_header(const char *list, char *out, size_t outlen) {
  for (const char *p = list; p != NULL && *p;) {
    while (*p == ' ' || *p == '\t' || *p == ',') p++;
    const char *end = p;
    while (*end && *end != ',') end++;
    const char *last = end;
    while (last > p && (last[-1] == ' ' || last[-1] == '\t')) last--;
    size_t n = (size_t)(last - p);
    if (n > 0) {
      int ok = 0;
      for (size_t i = 0; i < sizeof(allowed_headers) / sizeof(allowed_headers[0]); i++) {
        if (strlen(allowed_headers[i]) == n && !strncasecmp(allowed_headers[i], p, n)) ok = 1;
      }
      if (!ok) {
        snprintf(out, outlen, "%.*s", (int)(n > 64 ? 64 : n), p);
        return 1;
      }
    }
    p = end;
  }
  return 0;
}

static int method_allowed(const char *m) {
  static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"};
  for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
    if (!strcmp(m, methods[i])) return 1;
  }
  return 0;
}

static int is_preflight(const struct gw_cors *c, const struct _u_request *req) {
  return c->n > 0 && req->http_verb != NULL && !strcmp(req->http_verb, "OPTIONS") &&
         u_map_get_case(req->map_header, "Origin") != NULL &&
         u_map_get_case(req->map_header, "Access-Control-Request-Method") != NULL;
}

int gw_cors_preflight(const struct gw_cors *c, const struct _u_request *req,
                      struct _u_response *resp) {
  const char *origin = u_map_get_case(req->map_header, "Origin");
  const char *method = u_map_get_case(req->map_header, "Access-Control-Request-Method");
  const char *headers = u_map_get_case(req->map_header, "Access-Control-Request-Headers");
  char detail[160], bad[72];
  if (!is_preflight(c, req)) return 0;
  /* a preflight carries no token: any configured origin is answered, its request will be
   * judged with its token */
  if (!gw_cors_allowed(c, origin, NULL)) {
    snprintf(detail, sizeof(detail), "the origin %.100s may not call this API", origin);
    http_problem(resp, PROBLEM_FORBIDDEN, detail);
  } else if (!method_allowed(method)) {
    snprintf(detail, sizeof(detail), "the method %.32s is not allowed cross-origin", method);
    http_problem(resp, PROBLEM_FORBIDDEN, detail);
  } else if (unallowed_header(headers, bad, sizeof(bad))) {
    snprintf(detail, sizeof(detail), "the request header %s is not allowed cross-origin", bad);
    http_problem(resp, PROBLEM_FORBIDDEN, detail);
  } else {
    char age[24];
    snprintf(age, sizeof(age), "%ld", c->max_age_s);
    ulfius_set_empty_body_response(resp, 204);
    u_map_put(resp->map_header, "Access-Control-Allow-Origin", origin);
    u_map_put(resp->map_header, "Access-Control-Allow-Methods", CORS_METHODS);
    u_map_put(resp->map_header, "Access-Control-Allow-Headers", CORS_ALLOW_HEADERS);
    u_map_put(resp->map_header, "Access-Control-Max-Age", age);
    if (c->credentials) u_map_put(resp->map_header, "Access-Control-Allow-Credentials", "true");
  }
  /* the answer depends on these: a cache must not give one origin's answer to another */
  u_map_put(resp->map_header, "Vary",
            "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
  return 1;
}

void gw_cors_decorate(const struct gw_cors *c, const struct _u_request *req, const json_t *claims,
                      struct _u_response *resp) {
  if (c->n == 0 || is_preflight(c, req)) return; /* a preflight's answer is complete */
  gw_header_add_token(resp->map_header, "Vary", "Origin");
  const char *origin = u_map_get_case(req->map_header, "Origin");
  const char *portal = json_string_value(json_object_get(claims, "portal_id"));
  /* a verified token without a portal (the platform operator) gets the deployment's origins */
  if (claims != NULL && portal == NULL) portal = "";
  if (!gw_cors_allowed(c, origin, portal)) return;
  gw_header_set(resp->map_header, "Access-Control-Allow-Origin", origin);
  gw_header_set(resp->map_header, "Access-Control-Expose-Headers", CORS_EXPOSE_HEADERS);
  if (c->credentials) gw_header_set(resp->map_header, "Access-Control-Allow-Credentials", "true");
}
