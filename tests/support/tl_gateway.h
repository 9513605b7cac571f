/* A gateway of the test's own, started from the stack's build with settings of the test (CORS,
 * compression, rate limits, routes to fake upstreams), on free ports, stopped by the test. */
#ifndef CLAIMSUITE_TL_GATEWAY_H
#define CLAIMSUITE_TL_GATEWAY_H

#include <sys/types.h>

struct tl_gateway {
  pid_t pid;
  char url[64];       /* http://127.0.0.1:PORT */
  char admin_url[64]; /* the operator's port (/metrics) */
};

/* Starts the gateway with the stack's JWKS, the source tree's OpenAPI documents, upstream health
 * checks every 200 ms and env (NULL-terminated "NAME=value" lines: its upstreams, routes and
 * settings; at most 24), logging to STACK_DIR/logs/<name>.log. Fails the test unless it answers
 * /readyz within 15 s. */
void tl_gateway_start(struct tl_gateway *g, const char *name, const char *const *env);

/* Stops g if it runs (SIGTERM, then SIGKILL after 5 s). */
void tl_gateway_stop(struct tl_gateway *g);

/* "UPSTREAM_POLICY=<the stack's policy URL>" and the same for cases, customer and orders:
 * four static lines for env. */
const char *const *tl_gateway_stack_upstreams(void);

#endif
