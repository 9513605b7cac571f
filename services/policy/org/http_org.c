/* The caller of an organisation request, the read of one resource and the registration of the
 * organisation routes. No SQL here. */
#include "http_org.h"

#include "http.h"
#include "org.h"
#include "service.h"
#include "status.h"

int policy_org_http_caller(struct request_ctx *ctx, struct policy_org_caller *c, PGconn **conn) {
  int rc;
  *conn = NULL;
  if (policy_org_caller_from_claims(ctx->claims, c) != CS_OK) {
    http_problem(ctx->resp, PROBLEM_INVALID_TOKEN,
                 "the token does not name a user or API client of a portal");
    return CS_ERR_INVALID;
  }
  /* the token's rights may be stale: the current row decides (once per request) */
  if (service_db_acquire(ctx, conn) != CS_OK) return CS_ERR_UNAVAILABLE;
  rc = policy_org_caller_refresh(*conn, c);
  if (rc == CS_OK) return CS_OK;
  if (rc == CS_ERR_NOT_FOUND)
    policy_org_http_caller_gone(ctx);
  else
    service_db_problem(ctx, NULL);
  service_db_release(ctx, *conn);
  *conn = NULL;
  return CS_ERR_INVALID;
}

void policy_org_http_caller_gone(struct request_ctx *ctx) {
  http_problem(ctx->resp, PROBLEM_INVALID_TOKEN,
               "the user or API client is no longer active in this portal");
  u_map_put(ctx->resp->map_header, "WWW-Authenticate", "Bearer");
}

void policy_org_http_read(struct request_ctx *ctx, const char *what, policy_org_get_fn get) {
  struct policy_org_caller c;
  struct cs_refusal err = {0};
  PGconn *conn = NULL;
  json_t *resource = NULL;
  const char *id;

  if (policy_org_http_caller(ctx, &c, &conn) != CS_OK) goto done;
  if ((id = http_path_uuid(ctx->req, ctx->resp, "id", what)) == NULL) goto done;
  if (get(conn, &c, id, &resource, &err) != CS_OK) {
    service_refusal_answer(ctx, &err);
    goto done;
  }
  http_json_resource(ctx->resp, 200, resource);
  resource = NULL;
done:
  if (conn != NULL) service_db_release(ctx, conn);
  cs_refusal_clear(&err);
  json_decref(resource);
}

void policy_org_routes(struct service *svc) {
  policy_org_users_routes(svc);
  policy_org_offices_routes(svc);
  policy_org_companies_routes(svc);
  policy_org_api_clients_routes(svc);
}
