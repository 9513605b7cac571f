/* API clients of a portal (/v1/api-clients): integrations using client_credentials; only the
 * insurer's admin creates and deactivates them (org_api_clients.c). Conventions of org_write.h
 * / org_list.h. */
#ifndef CLAIMSUITE_POLICY_ORG_API_CLIENTS_H
#define CLAIMSUITE_POLICY_ORG_API_CLIENTS_H

#include "org_list.h"
#include "org_write.h"

/* The list takes no filters (filter may be NULL). */
int policy_org_api_client_list(PGconn *conn, const struct policy_org_caller *c,
                               const char *const *filter, const struct policy_org_page *pg,
                               json_t **rows, struct cs_refusal *err);

/* The rules of a create body. */
void policy_org_api_client_rules(const json_t *body, struct cs_refusal *err);

int policy_org_api_client_create(PGconn *conn, struct write_call *w);
int policy_org_api_client_delete(PGconn *conn, struct write_call *w);

#endif
