/* The route tables of the policy service's resources: each resource lists its routes once and
 * registers them with policy_routes_add. */
#ifndef CLAIMSUITE_POLICY_HTTP_POLICY_ROUTES_H
#define CLAIMSUITE_POLICY_HTTP_POLICY_ROUTES_H

#include <stddef.h>

#include "service.h"

struct policy_route {
  const char *method;
  const char *pattern;
  service_handler handler;
  int flags; /* enum service_route_flags */
};

#define POLICY_ROUTES_COUNT(t) (sizeof(t) / sizeof((t)[0]))

/* Registers the n routes of table (borrowed, static). At start only: a route that cannot be
 * registered is logged, naming what, and ends the process. */
void policy_routes_add(struct service *svc, const struct policy_route *table, size_t n,
                       const char *what);

#endif
