/* Authority decisions: role definitions per portal (GET/PUT /v1/roles/{role}), portal settings
 * (GET/PATCH /v1/portal/settings), the decision point POST /internal/authorize and its log
 * GET /v1/authorize/log. */
#ifndef CLAIMSUITE_POLICY_AUTHORITY_H
#define CLAIMSUITE_POLICY_AUTHORITY_H

#include <jansson.h>
#include <libpq-fe.h>

struct service;

void policy_authority_routes(struct service *svc);

/* Appends a decision another service made in-process (its event "authority.decided", data
 * {portal_id, user_id, action, allow, reason, case_roles, amount?, limit_remaining?}) to the
 * decision log, in the consumer's transaction. Other events are not ours: 0. Non-zero on a
 * database failure (the event is retried). */
int policy_authority_record(PGconn *conn, const json_t *event);

#endif
