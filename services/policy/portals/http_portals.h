/* /v1/portals: the platform operator's routes (portals.h). */
#ifndef CLAIMSUITE_POLICY_HTTP_PORTALS_H
#define CLAIMSUITE_POLICY_HTTP_PORTALS_H

struct service;

/* Registers POST /v1/portals, GET /v1/portals and GET /v1/portals/{id}. */
void policy_portals_routes(struct service *svc);

#endif
