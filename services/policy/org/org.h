/* Organisations: /v1/companies, /v1/offices, /v1/users (with order-workflow roles) and
 * /v1/api-clients, scoped to what the caller may see and change. */
#ifndef CLAIMSUITE_POLICY_ORG_H
#define CLAIMSUITE_POLICY_ORG_H

struct service;

void policy_org_routes(struct service *svc);

#endif
