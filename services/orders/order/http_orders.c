/* The orders' routes (http_orders.h): decode, call the domain (orders.h), answer; no SQL here.
 * Every route answers 401 for a token of nobody active in the portal and 404 for an order
 * outside the caller's organisation; writes take If-Match (the order's version, not required)
 * and an Idempotency-Key. */
#include "http_orders.h"

#include <stdio.h>
#include <string.h>

#include "caller.h"
#include "http.h"
#include "ids.h"
#include "http_write.h"
#include "orders.h"
#include "paging.h"
#include "service.h"
#include "state.h"
#include "status.h"

/* Loads the caller: CS_OK, or answered. */
static int caller(struct request_ctx *ctx, struct orders_caller *c) {
  struct cs_refusal err = {0};
  int rc = orders_caller_load(ctx->claims, c, &err);
  if (rc != CS_OK) service_refusal_answer(ctx, &err);
  cs_refusal_clear(&err);
  return rc;
}

/* ---- reads ------------------------------------------------------------------------------------
 */

/* The list's filters from the query: CS_OK, or CS_REFUSED with a 400. */
static int list_query(struct request_ctx *ctx, int approvals, struct orders_query *q,
                      json_t **position, struct cs_refusal *err) {
  const char *status = u_map_get(ctx->req->map_url, "status");
  const char *waits = u_map_get(ctx->req->map_url, "action_required");
  if (paging_parse(ctx->req->map_url, &q->limit, position, err) != CS_OK) return CS_REFUSED;
  q->position = *position;
  if (status != NULL && !orders_state_known(status))
    return cs_refuse(err, PROBLEM_INVALID_PARAMETER, "status must be one of the order's states");
  if (waits != NULL && strcmp(waits, "true") != 0 && strcmp(waits, "false") != 0)
    return cs_refuse(err, PROBLEM_INVALID_PARAMETER, "action_required must be true or false");
  const char *since = u_map_get(ctx->req->map_url, "updated_since");
  if (since != NULL && !ids_is_timestamp(since))
    return cs_refuse(err, PROBLEM_INVALID_PARAMETER,
                     "updated_since must be an RFC 3339 timestamp such as 2026-12-01T08:00:00Z");
  q->updated_since = since;
  q->status = status;
  /* my approvals: what waits for the caller, the same rule as action_required=true */
  q->action_required = approvals || (waits != NULL && !strcmp(waits, "true"));
  return CS_OK;
}

static void answer_list(struct request_ctx *ctx, int approvals) {
  struct orders_caller c;
  struct orders_query q = {0};
  struct cs_refusal err = {0};
  PGconn *conn = NULL;
  json_t *position = NULL, *out = NULL;
  if (caller(ctx, &c) != CS_OK) return;
  if (list_query(ctx, approvals, &q, &position, &err) != CS_OK) {
    service_refusal_answer(ctx, &err);
    goto done;
  }
  if (service_db_acquire(ctx, &conn) != CS_OK) goto done;
  if (orders_list(conn, &c, &q, &out, &err) != CS_OK)
    service_refusal_answer(ctx, &err);
  else
    http_json(ctx->resp, 200, out);
done:
  if (conn != NULL) service_db_release(ctx, conn);
  json_decref(position);
  orders_caller_clear(&c);
  cs_refusal_clear(&err);
}

static void orders_index(struct request_ctx *ctx) { answer_list(ctx, 0); }
static void approvals_index(struct request_ctx *ctx) { answer_list(ctx, 1); }

typedef int (*read_fn)(PGconn *conn, const struct orders_caller *c, const char *id, json_t **out,
                       struct cs_refusal *err);

static void answer_read(struct request_ctx *ctx, read_fn fn, int resource) {
  struct orders_caller c;
  struct cs_refusal err = {0};
  PGconn *conn = NULL;
  json_t *out = NULL;
  const char *id = http_path_uuid(ctx->req, ctx->resp, "order_id", "order");
  if (id == NULL || caller(ctx, &c) != CS_OK) return;
  if (service_db_acquire(ctx, &conn) != CS_OK) goto done;
  if (fn(conn, &c, id, &out, &err) != CS_OK)
    service_refusal_answer(ctx, &err);
  else if (resource)
    http_json_resource(ctx->resp, 200, out);
  else
    http_json(ctx->resp, 200, out);
done:
  if (conn != NULL) service_db_release(ctx, conn);
  orders_caller_clear(&c);
  cs_refusal_clear(&err);
}

static void order_get(struct request_ctx *ctx) { answer_read(ctx, orders_get, 1); }
static void history_get(struct request_ctx *ctx) { answer_read(ctx, orders_history, 0); }

/* ---- writes -----------------------------------------------------------------------------------
 */

/* Runs one write of the caller: action NULL is the create (a body required), else the step of
 * order_id (a body required when body_required). */
static void answer_write(struct request_ctx *ctx, const char *action, int body_required) {
  static const struct write_hooks create = {.check = orders_create_check,
                                            .apply = orders_create_apply};
  static const struct write_hooks step = {.read = orders_step_read,
                                          .check = orders_step_check,
                                          .lock = orders_step_lock,
                                          .apply = orders_step_apply};
  struct orders_op op = {.action = action};
  struct write_call w = {0};
  struct orders_caller c;
  PGconn *conn = NULL;
  json_t *body = NULL;
  char scope[160];
  if (action != NULL && (w.id = http_path_uuid(ctx->req, ctx->resp, "order_id", "order")) == NULL)
    return;
  if (caller(ctx, &c) != CS_OK) return;
  if ((body_required || ctx->req->binary_body_length > 0) &&
      http_parse_json_object(ctx->req, ctx->resp, &body) != CS_OK)
    goto done;
  /* a key is the caller's own, in its portal */
  snprintf(scope, sizeof(scope), "orders/%s/%s", c.sub, c.portal_id);
  const struct http_write_spec spec = {.ok_status = action == NULL ? 201 : 200,
                                       .flags = action == NULL ? 0 : HTTP_WRITE_IF_MATCH,
                                       .idem_scope = scope,
                                       .idem_path = ctx->req->url_path};
  if (service_db_acquire(ctx, &conn) != CS_OK) goto done;
  w.op = &op;
  w.caller = &c;
  w.body = body;
  http_write_run(ctx, &conn, &spec, action == NULL ? &create : &step, &w);
done:
  if (conn != NULL) service_db_release(ctx, conn);
  orders_op_clear(&op);
  orders_caller_clear(&c);
  cs_refusal_clear(&w.err);
  json_decref(w.result);
  json_decref(body);
}

static void order_create(struct request_ctx *ctx) { answer_write(ctx, NULL, 1); }
static void order_reject(struct request_ctx *ctx) { answer_write(ctx, "reject", 1); }
static void order_approve(struct request_ctx *ctx) { answer_write(ctx, "agent_approval", 1); }
static void order_started(struct request_ctx *ctx) { answer_write(ctx, "connection_started", 0); }
static void order_done(struct request_ctx *ctx) { answer_write(ctx, "connection_done", 0); }

void orders_routes(struct service *svc) {
  static const struct service_route_def routes[] = {
      {"GET", "/v1/orders", orders_index, ROUTE_AUTHENTICATED},
      {"POST", "/v1/orders", order_create, ROUTE_AUTHENTICATED},
      {"GET", "/v1/orders/:order_id", order_get, ROUTE_AUTHENTICATED},
      {"GET", "/v1/orders/:order_id/history", history_get, ROUTE_AUTHENTICATED},
      {"POST", "/v1/orders/:order_id/reject", order_reject, ROUTE_AUTHENTICATED},
      {"POST", "/v1/orders/:order_id/agent-approval", order_approve, ROUTE_AUTHENTICATED},
      {"POST", "/v1/orders/:order_id/connection-started", order_started, ROUTE_AUTHENTICATED},
      {"POST", "/v1/orders/:order_id/connection-done", order_done, ROUTE_AUTHENTICATED},
      {"GET", "/v1/approvals", approvals_index, ROUTE_AUTHENTICATED},
  };
  service_routes(svc, routes, SERVICE_ROUTES_COUNT(routes), "the orders");
}
