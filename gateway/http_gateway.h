/* The gateway's own request path, behind the HTTP server core: path canonicalisation, the
 * refusal of /internal, its own endpoints (/healthz and /readyz saying only up or not,
 * /openapi/{name}.yaml), routing by prefix, the token check and forwarding; and the operator's
 * port (ADMIN_PORT): /healthz and /readyz with every upstream's address and latency, /metrics. */
#ifndef CLAIMSUITE_GATEWAY_HTTP_GATEWAY_H
#define CLAIMSUITE_GATEWAY_HTTP_GATEWAY_H

#include "gw_config.h"

struct gw_app;
struct gw_spool;
struct http_server;

/* Builds the request-time state (JWKS cache, route metrics labels, upstream health checker, not
 * started) and registers it with srv: the one default endpoint, the health/readiness/metrics
 * callbacks, the key set and the token memo. cfg, srv and spool (where uploads wait:
 * proxy_upload.h) are borrowed and must outlive the app. *out is new. */
int gw_app_new(const struct gw_config *cfg, struct http_server *srv, struct gw_spool *spool,
               struct gw_app **out);
/* Registers the operator's answers about the public server with admin (its own server, on an
 * address only operators reach). Before either starts. */
int gw_app_admin(struct gw_app *app, struct http_server *admin);
/* Starts the background work (upstream health checks). */
int gw_app_start(struct gw_app *app);
/* Stops the background work first; call after the HTTP server has stopped. NULL-safe. */
void gw_app_free(struct gw_app *app);

#endif
