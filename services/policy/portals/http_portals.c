/* POST /v1/portals, GET /v1/portals and GET /v1/portals/{id}: the operator's routes. Decode the
 * request, call the domain (portals.c), answer. No SQL here. Every route answers 401 without a
 * token and 403 for a token of a portal's user or API client (http_operators.h). */
#include "http_portals.h"

#include <stdio.h>

#include "http.h"
#include "http_operators.h"
#include "http_write.h"
#include "ids.h"
#include "paging.h"
#include "portals.h"
#include "service.h"
#include "status.h"

/* The runner's check, before the transaction: every field error of the body at once. */
static int check_body(PGconn *conn, struct write_call *w) {
  return policy_portal_check(conn, w->body, &w->err);
}

static void portals_create(struct request_ctx *ctx) {
  static const struct write_hooks hooks = {.check = check_body,
                                           .apply = policy_portal_create_apply};
  struct write_call w = {0};
  json_t *body = NULL;
  PGconn *conn = NULL;
  const char *sub = NULL;
  char scope[64];

  /* the answer may hold the admin's initial password: never stored by a cache */
  u_map_put(ctx->resp->map_header, "Cache-Control", "no-store");
  if (policy_operator_http_caller(ctx, &conn, &sub) != CS_OK) return;
  if (http_parse_json_object(ctx->req, ctx->resp, &body) != CS_OK) goto done;
  snprintf(scope, sizeof(scope), "operator/%s", sub);
  const struct http_write_spec spec = {.ok_status = 201,
                                       .idem_scope = scope,
                                       .idem_path = "/v1/portals",
                                       .location_prefix = "/v1/portals",
                                       .replay_omit = "initial_password"}; /* shown once */
  w.body = body;
  http_write_run(ctx, &conn, &spec, &hooks, &w);
done:
  if (conn != NULL) service_db_release(ctx, conn);
  cs_refusal_clear(&w.err);
  json_decref(w.result);
  json_decref(body);
}

/* The position after the last portal shown: its created_at and id. */
static json_t *created_position(const json_t *last, const void *arg) {
  (void)arg;
  return json_pack("{s:O, s:O}", "created_at", json_object_get(last, "created_at"), "id",
                   json_object_get(last, "id"));
}

static void portals_list(struct request_ctx *ctx) {
  struct cs_refusal err = {0};
  json_t *pos = NULL, *rows = NULL;
  PGconn *conn = NULL;
  const char *sub = NULL, *after_created_at, *after_id;
  long limit;

  if (policy_operator_http_caller(ctx, &conn, &sub) != CS_OK) return;
  if (paging_parse(ctx->req->map_url, &limit, &pos, &err) != CS_OK) goto refused;
  after_created_at = json_string_value(json_object_get(pos, "created_at"));
  after_id = json_string_value(json_object_get(pos, "id"));
  if (pos != NULL && (!ids_is_timestamp(after_created_at) || !ids_is_uuid(after_id))) {
    cs_refuse(&err, PROBLEM_INVALID_PARAMETER, "cursor is not valid");
    cs_refusal_field(&err, "cursor", FIELD_FORMAT,
                     "must be a next_cursor value from a previous page");
    goto refused;
  }
  if (policy_portal_list(conn, after_created_at, after_id, limit + 1, &rows, &err) != CS_OK)
    goto refused;
  http_json(ctx->resp, 200, paging_page(rows, limit, created_position, NULL));
  rows = NULL;
  goto done;
refused:
  service_refusal_answer(ctx, &err);
done:
  service_db_release(ctx, conn);
  cs_refusal_clear(&err);
  json_decref(rows);
  json_decref(pos);
}

static void portals_get(struct request_ctx *ctx) {
  struct cs_refusal err = {0};
  json_t *portal = NULL;
  PGconn *conn = NULL;
  const char *sub = NULL, *id;

  if (policy_operator_http_caller(ctx, &conn, &sub) != CS_OK) return;
  if ((id = http_path_uuid(ctx->req, ctx->resp, "id", "portal")) == NULL) goto done;
  if (policy_portal_get(conn, id, &portal, &err) != CS_OK) {
    service_refusal_answer(ctx, &err);
    goto done;
  }
  http_json_resource(ctx->resp, 200, portal);
done:
  service_db_release(ctx, conn);
  cs_refusal_clear(&err);
}

void policy_portals_routes(struct service *svc) {
  static const struct service_route_def routes[] = {
      {"POST", "/v1/portals", portals_create, ROUTE_AUTHENTICATED},
      {"GET", "/v1/portals", portals_list, ROUTE_AUTHENTICATED},
      {"GET", "/v1/portals/:id", portals_get, ROUTE_AUTHENTICATED},
  };
  service_routes(svc, routes, SERVICE_ROUTES_COUNT(routes), "the portals");
}
