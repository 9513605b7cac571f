/* What the stand-ins share: read PORT (required) and BIND_ADDRESS (127.0.0.1) through the
 * config module, listen, run until SIGTERM or SIGINT (standins/serve.c). */
#ifndef CLAIMSUITE_STANDIN_SERVE_H
#define CLAIMSUITE_STANDIN_SERVE_H

#include <stddef.h>
#include <ulfius.h>

/* Serves the endpoints add_routes adds (bodies up to max_body bytes) as name; 0 after a stop,
 * 1 when it cannot listen, 2 for a configuration error (printed). */
int standin_serve(const char *name, size_t max_body, void (*add_routes)(struct _u_instance *));

#endif
