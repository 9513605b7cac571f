/* The staff's routes of the customer's access (http_access.h): decode, check the caller may work
 * with the case (case_staff.h), call the domain (access.c), answer. No SQL here. */
#include "http_access.h"

#include <stdio.h>
#include <string.h>

#include "access.h"
#include "caller.h"
#include "case_staff.h"
#include "http.h"
#include "http_login.h"
#include "http_write.h"
#include "service.h"
#include "status.h"

/* Loads the caller, takes a connection and checks the caller may work with the case of the path:
 * CS_OK with op->casefile, or answered (what is taken is given back by the caller). */
static int staff(struct request_ctx *ctx, PGconn **conn, struct customer_caller *c,
                 struct customer_access_op *op) {
  struct cs_refusal err = {0};
  int rc = CS_REFUSED;
  memset(c, 0, sizeof(*c));
  op->case_id = http_path_uuid(ctx->req, ctx->resp, "case_id", "case");
  if (op->case_id == NULL) return CS_ERR_INVALID;
  if (customer_caller_load(ctx->claims, c, &err) != CS_OK) goto done;
  if (service_db_acquire(ctx, conn) != CS_OK) return CS_ERR_UNAVAILABLE;
  rc = customer_case_staff(*conn, c, op->case_id, &op->casefile, &err);
done:
  if (rc != CS_OK) service_refusal_answer(ctx, &err);
  cs_refusal_clear(&err);
  return rc;
}

static void access_list(struct request_ctx *ctx) {
  struct customer_access_op op = {0};
  struct customer_caller c;
  struct cs_refusal err = {0};
  PGconn *conn = NULL;
  json_t *out = NULL;
  if (staff(ctx, &conn, &c, &op) != CS_OK) goto done;
  if (customer_access_list(conn, &c, &op, &out, &err) != CS_OK)
    service_refusal_answer(ctx, &err);
  else
    http_json(ctx->resp, 200, out);
done:
  if (conn != NULL) service_db_release(ctx, conn);
  customer_access_op_clear(&op);
  customer_caller_clear(&c);
  cs_refusal_clear(&err);
}

/* A write of the case's access: a grant (body) or a revocation (access_id). */
static void access_write(struct request_ctx *ctx, const struct http_write_spec *spec,
                         const struct write_hooks *hooks, int with_body) {
  struct customer_access_op op = {0};
  struct write_call w = {0};
  struct customer_caller c;
  PGconn *conn = NULL;
  json_t *body = NULL;
  if (staff(ctx, &conn, &c, &op) != CS_OK) goto done;
  if (with_body && http_parse_json_object(ctx->req, ctx->resp, &body) != CS_OK) goto done;
  if (!with_body && (w.id = http_path_uuid(ctx->req, ctx->resp, "access_id", "access")) == NULL)
    goto done;
  w.op = &op;
  w.caller = &c;
  w.body = body;
  http_write_run(ctx, &conn, spec, hooks, &w);
done:
  if (conn != NULL) service_db_release(ctx, conn);
  customer_access_op_clear(&op);
  customer_caller_clear(&c);
  cs_refusal_clear(&w.err);
  json_decref(w.result);
  json_decref(body);
}

static void access_grant(struct request_ctx *ctx) {
  static const struct write_hooks hooks = {.check = customer_access_grant_check,
                                           .apply = customer_access_grant_apply};
  char scope[128];
  const json_t *sub = json_object_get(ctx->claims, "sub");
  const json_t *portal = json_object_get(ctx->claims, "portal_id");
  /* a key is the caller's own, in its portal */
  snprintf(scope, sizeof(scope), "customer.access/%s/%s",
           json_string_value(sub) ? json_string_value(sub) : "",
           json_string_value(portal) ? json_string_value(portal) : "");
  const struct http_write_spec spec = {
      .ok_status = 201, .idem_scope = scope, .idem_path = ctx->req->url_path};
  access_write(ctx, &spec, &hooks, 1);
}

static void access_revoke(struct request_ctx *ctx) {
  static const struct write_hooks hooks = {.read = customer_access_revoke_read,
                                           .lock = customer_access_revoke_lock,
                                           .apply = customer_access_revoke_apply};
  static const struct http_write_spec spec = {.ok_status = 204};
  access_write(ctx, &spec, &hooks, 0);
}

void customer_access_routes(struct service *svc) {
  static const struct service_route_def routes[] = {
      {"GET", "/v1/customer/cases/:case_id/access", access_list, ROUTE_AUTHENTICATED},
      {"POST", "/v1/customer/cases/:case_id/access", access_grant, ROUTE_AUTHENTICATED},
      {"DELETE", "/v1/customer/cases/:case_id/access/:access_id", access_revoke,
       ROUTE_AUTHENTICATED},
  };
  service_routes(svc, routes, SERVICE_ROUTES_COUNT(routes), "the customer page's access");
  customer_portal_login_routes(svc);
}
