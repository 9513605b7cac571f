/* Authority decisions: role definitions per portal (GET/PUT /v1/roles/{role}), portal settings
 * (GET/PATCH /v1/portal/settings), the decision point POST /internal/authorize and its log
 * GET /v1/authorize/log. */
#ifndef CLAIMSUITE_POLICY_AUTHORITY_H
#define CLAIMSUITE_POLICY_AUTHORITY_H

struct service;

void policy_authority_routes(struct service *svc);

#endif
