/* The gateway's HTTP side: one ulfius callback (the default endpoint) that checks the request
 * (path, request id, size, token), answers the gateway's own endpoints (/healthz, /readyz,
 * /metrics, /openapi/{name}.yaml) and forwards everything else by prefix. */
#ifndef CLAIMSUITE_GATEWAY_HTTP_GATEWAY_H
#define CLAIMSUITE_GATEWAY_HTTP_GATEWAY_H

#include <ulfius.h>

#include "gw_config.h"

struct gw_app;

/* Builds the request-time state: JWKS cache, metrics, upstream health checker (not started).
 * cfg is borrowed and must outlive the app. *out is new. */
int gw_app_new(const struct gw_config *cfg, struct gw_app **out);
/* Starts the background work (upstream health checks). */
int gw_app_start(struct gw_app *app);
/* Stops the background work first; call after the HTTP server has stopped. NULL-safe. */
void gw_app_free(struct gw_app *app);

/* The ulfius callback; user_data is the struct gw_app. Always U_CALLBACK_COMPLETE. */
int gw_http_dispatch(const struct _u_request *req, struct _u_response *resp, void *user_data);

#endif
