/* SQL of /v1/api-clients (schema policy): API clients of a portal, as JSON objects without the
 * secret hash. Conventions of store_org_common.h. */
#ifndef CLAIMSUITE_POLICY_STORE_ORG_API_CLIENTS_H
#define CLAIMSUITE_POLICY_STORE_ORG_API_CLIENTS_H

#include <jansson.h>
#include <libpq-fe.h>

int policy_store_org_api_client_get(PGconn *conn, const char *portal, const char *id, json_t **out,
                                    char *sqlstate);
/* The portal's clients in (created_at, id) order; updated_since (RFC 3339, NULL: any) keeps
 * those changed at or after it. */
int policy_store_org_api_client_list(PGconn *conn, const char *portal, const char *updated_since,
                                     const char *after_created_at, const char *after_id, long limit,
                                     json_t **rows, char *sqlstate);
/* created_by may be NULL. */
int policy_store_org_api_client_insert(PGconn *conn, const char *id, const char *portal,
                                       const char *company_id, const char *name,
                                       const char *client_id, const char *secret_hash,
                                       const char *created_by, char *sqlstate);
/* Deactivates the portal's client (a change: updated_at moves); CS_ERR_NOT_FOUND when the portal
 * has no such client. */
int policy_store_org_api_client_deactivate(PGconn *conn, const char *portal, const char *id,
                                           char *sqlstate);

#endif
