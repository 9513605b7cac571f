/* The gateway's own request path, behind the HTTP server core: path canonicalisation, the
 * refusal of /internal, its own endpoints (/healthz, /readyz, /metrics answered by the core from
 * the gateway's callbacks, /openapi/{name}.yaml), routing by prefix, the token check and
 * forwarding. */
#ifndef CLAIMSUITE_GATEWAY_HTTP_GATEWAY_H
#define CLAIMSUITE_GATEWAY_HTTP_GATEWAY_H

#include "gw_config.h"

struct gw_app;
struct http_server;

/* Builds the request-time state (JWKS cache, route metrics labels, upstream health checker, not
 * started) and registers it with srv: the one default endpoint, the health/readiness/metrics
 * callbacks, the key set and the token memo. cfg and srv are borrowed and must outlive the app.
 * *out is new. */
int gw_app_new(const struct gw_config *cfg, struct http_server *srv, struct gw_app **out);
/* Starts the background work (upstream health checks). */
int gw_app_start(struct gw_app *app);
/* Stops the background work first; call after the HTTP server has stopped. NULL-safe. */
void gw_app_free(struct gw_app *app);

#endif
