/* Cross-origin requests (CORS) at the gateway. Which origins may call is configured per
 * deployment (CORS_ALLOWED_ORIGINS: every caller) and per portal (CORS_PORTAL_ORIGINS: a portal's
 * own front end, for callers whose token names that portal). The gateway answers preflights
 * itself, without a token (a browser sends none with them): 204 with what may be sent for an
 * origin configured anywhere, 403 problem for any other. On actual requests it adds
 * Access-Control-Allow-Origin only for an origin allowed to the caller: a deployment origin, or
 * the caller's portal's; on answers that carry no portal's data (public paths, a refused token)
 * any configured origin. Credentials mode is off unless configured: the API takes bearer tokens,
 * and the customer page's cookie is same-origin. */
#ifndef CLAIMSUITE_GATEWAY_CORS_H
#define CLAIMSUITE_GATEWAY_CORS_H

#include <jansson.h>
#include <stddef.h>
#include <ulfius.h>

struct gw_cors_rule {
  char *origin; /* "https://a.example[:port]", as a browser serialises it */
  char *portal; /* the portal whose callers it is allowed for; NULL: every caller */
};

struct gw_cors {
  struct gw_cors_rule *rules; /* none: CORS is off (no Access-Control-* header, no preflight) */
  size_t n;
  long max_age_s;  /* Access-Control-Max-Age of a preflight's answer */
  int credentials; /* 1: Access-Control-Allow-Credentials: true */
};

/* Parses CORS_ALLOWED_ORIGINS ("https://a.example,http://localhost:3000") and
 * CORS_PORTAL_ORIGINS ("portal=https://a.example|https://b.example;portal2=https://c.example")
 * into c (either may be empty). An origin is scheme://host[:port] with scheme http or https,
 * nothing after it (no path, no '/', no '*'). CS_ERR_INVALID with a message naming the variable
 * in err; c is then empty. */
int gw_cors_parse(const char *global, const char *per_portal, struct gw_cors *c, char *err,
                  size_t errlen);
void gw_cors_free(struct gw_cors *c); /* NULL-safe, idempotent (max_age and credentials stay) */

/* 1 when origin may read answers given to a caller of portal (NULL: an answer that carries no
 * portal's data, where any configured origin may). */
int gw_cors_allowed(const struct gw_cors *c, const char *origin, const char *portal);

/* 1 after answering req when it is a preflight (OPTIONS with Origin and
 * Access-Control-Request-Method) and CORS is on: 204 with the allowed methods, request headers
 * and max age, or a 403 forbidden problem for an origin, method or request header that is not
 * allowed. 0 (nothing written) for every other request. */
int gw_cors_preflight(const struct gw_cors *c, const struct _u_request *req,
                      struct _u_response *resp);
/* Adds to an actual request's answer Vary: Origin and, when its Origin is allowed for the caller
 * (claims: the verified token's claims, borrowed, NULL when no token was verified), the
 * Access-Control-Allow-Origin and Access-Control-Expose-Headers. Nothing when CORS is off, nor
 * to a preflight's answer (gw_cors_preflight made it whole). */
void gw_cors_decorate(const struct gw_cors *c, const struct _u_request *req, const json_t *claims,
                      struct _u_response *resp);

#endif
