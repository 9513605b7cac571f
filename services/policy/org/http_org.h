/* The HTTP side shared by the organisation resources (http_org_*.c) and the authority's
 * handlers: the caller of a request, the read of one resource, the route registration. */
#ifndef CLAIMSUITE_POLICY_HTTP_ORG_H
#define CLAIMSUITE_POLICY_HTTP_ORG_H

#include <libpq-fe.h>

#include "org_caller.h"
#include "org_write.h"

struct request_ctx;
struct service;

/* Reads the caller from the token, then its current row (policy_org_caller_refresh) on a pooled
 * connection taken here: CS_OK with *conn held for the rest of the request (give it back with
 * service_db_release). On a token without the needed claims, or a user or client no longer
 * active in the portal, answers 401 (a busy or failing database 503/5xx), returns non-zero and
 * holds no connection (*conn NULL). */
int policy_org_http_caller(struct request_ctx *ctx, struct policy_org_caller *c, PGconn **conn);
/* Answers 401: the token's user or API client is no longer active in its portal. */
void policy_org_http_caller_gone(struct request_ctx *ctx);

/* Answers GET <collection>/{id}: the caller, the id (404 naming what when not a UUID), then
 * get's resource with its ETag, or get's error. */
void policy_org_http_read(struct request_ctx *ctx, const char *what, policy_org_get_fn get);

/* Route registration of each resource (http_org_<resource>.c). */
void policy_org_users_routes(struct service *svc);
void policy_org_offices_routes(struct service *svc);
void policy_org_companies_routes(struct service *svc);
void policy_org_api_clients_routes(struct service *svc);

#endif
