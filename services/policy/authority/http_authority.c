/* GET/PUT /v1/roles/{role}, GET/PATCH /v1/portal/settings, POST /internal/authorize and
 * GET /v1/authorize/log: decode the request, call the domain (authority.c), map the result to
 * HTTP. No SQL here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authority.h"
#include "authority_internal.h"
#include "fields.h"
#include "http.h"
#include "http_write.h"
#include "ids.h"
#include "log.h"
#include "http_org.h"
#include "paging.h"
#include "decision.h"
#include "service.h"
#include "status.h"

#define NO_SUCH_ROLE \
  "no such role (external_case_handler, project_manager, inspector_extra_authority)"

static void forbidden(struct request_ctx *ctx, const char *detail) {
  http_problem(ctx->resp, PROBLEM_FORBIDDEN, detail);
}

static void invalid(struct request_ctx *ctx, const char *detail, json_t *errors) {
  http_problem_full(ctx->resp, PROBLEM_VALIDATION, detail, errors, NULL);
}

/* The token's portal, or answers 403 (a token without a portal, e.g. of another kind). */
static const char *portal_of(struct request_ctx *ctx) {
  const char *portal = policy_authority_portal(ctx->claims);
  if (!ids_is_uuid(portal)) {
    forbidden(ctx, "the token is not for a portal");
    return NULL;
  }
  return portal;
}

/* Acquires *conn and checks the caller is the insurer's admin now (authority.c), or only still
 * active in the portal when forbidden_detail is NULL: 0 with *conn held for the rest of the
 * request; otherwise answers 401 (user gone or inactive in the portal), 403 (not an admin) or
 * a database problem, releases and returns non-zero. */
static int admin_conn(struct request_ctx *ctx, PGconn **conn, const char *forbidden_detail) {
  int rc;
  if (service_db_acquire(ctx, conn) != CS_OK) return 1;
  rc = forbidden_detail != NULL ? policy_authority_admin_check(*conn, ctx->claims)
                                : policy_authority_caller_check(*conn, ctx->claims);
  if (rc == CS_OK) return 0;
  if (rc == POLICY_AUTHORITY_GONE)
    policy_org_http_caller_gone(ctx);
  else if (rc == POLICY_AUTHORITY_NOT_ADMIN)
    forbidden(ctx, forbidden_detail);
  else
    service_db_problem(ctx, NULL);
  service_db_release(ctx, *conn);
  *conn = NULL;
  return 1;
}

/* Answers a domain failure other than CS_ERR_INVALID / CS_ERR_CONFLICT. */
static void failure(struct request_ctx *ctx, int rc, const char *what) {
  if (rc == CS_ERR_NOT_FOUND)
    http_problem(ctx->resp, PROBLEM_NOT_FOUND, what);
  else if (rc == CS_ERR_DB)
    service_db_problem(ctx, NULL);
  else
    http_problem(ctx->resp, PROBLEM_INTERNAL, "the request could not be completed");
}

/* ---- /v1/roles/{role} ------------------------------------------------------------------ */

static void callback_policy_roles_get(struct request_ctx *ctx) {
  const char *role = u_map_get(ctx->req->map_url, "role"), *portal;
  PGconn *conn = NULL;
  json_t *out = NULL;
  int rc;

  if ((portal = portal_of(ctx)) == NULL) return;
  if (authority_role_index(role) < 0) {
    http_problem(ctx->resp, PROBLEM_NOT_FOUND, NO_SUCH_ROLE);
    return;
  }
  if (admin_conn(ctx, &conn, NULL) != 0) return;
  rc = policy_authority_role_get(conn, portal, role, &out);
  service_db_release(ctx, conn);
  if (rc != CS_OK) {
    failure(ctx, rc, "no such role");
    return;
  }
  http_json_resource(ctx->resp, 200, out);
}

static const struct http_field role_fields[] = {{"rights", HTTP_FIELD_ARRAY, 1, 0}};

static const struct http_field settings_fields[] = {PORTAL_SETTINGS_FIELDS(0)};

/* The runner's checks, before any transaction: every field error of the body at once (the
 * table's types, then the domain's rules). */
static int role_check(PGconn *conn, struct write_call *w) {
  (void)conn;
  fields_check(w->body, role_fields, 1, &w->err);
  policy_authority_role_rules(w->body, &w->err);
  return cs_refusal_validation(&w->err);
}

static int settings_check(PGconn *conn, struct write_call *w) {
  fields_check(w->body, settings_fields, sizeof(settings_fields) / sizeof(settings_fields[0]),
               &w->err);
  if (policy_authority_settings_check(conn, w->body, &w->err) != CS_OK) return CS_REFUSED;
  return cs_refusal_validation(&w->err);
}

/* A change by the insurer's admin through the write runner, If-Match required: the caller
 * (forbidden_detail for a 403), the body, then hooks on op. */
static void admin_write(struct request_ctx *ctx, const char *forbidden_detail,
                        struct policy_authority_op *op, const struct write_hooks *hooks) {
  static const struct http_write_spec spec = {
      .ok_status = 200, .flags = HTTP_WRITE_IF_MATCH | HTTP_WRITE_REQUIRE_IF_MATCH};
  struct write_call w = {0};
  PGconn *conn = NULL;
  json_t *body = NULL;

  if (admin_conn(ctx, &conn, forbidden_detail)) return;
  if (op->role != NULL && authority_role_index(op->role) < 0) {
    http_problem(ctx->resp, PROBLEM_NOT_FOUND, NO_SUCH_ROLE);
    goto done;
  }
  if (http_parse_json_object(ctx->req, ctx->resp, &body) != CS_OK) goto done;
  w.op = op;
  w.body = body;
  http_write_run(ctx, &conn, &spec, hooks, &w);
done:
  service_db_release(ctx, conn);
  cs_refusal_clear(&w.err);
  json_decref(w.result);
  json_decref(body);
}

static void callback_policy_roles_put(struct request_ctx *ctx) {
  static const struct write_hooks hooks = {.read = policy_authority_role_read,
                                           .check = role_check,
                                           .lock = policy_authority_role_lock,
                                           .apply = policy_authority_role_apply};
  struct policy_authority_op op = {.role = u_map_get(ctx->req->map_url, "role")};
  if ((op.portal_id = portal_of(ctx)) == NULL) return;
  admin_write(ctx, "only an admin (authority level 6) of the insurer may change role definitions",
              &op, &hooks);
}

/* ---- /v1/portal/settings --------------------------------------------------------------- */

static void callback_policy_settings_get(struct request_ctx *ctx) {
  const char *portal;
  PGconn *conn = NULL;
  json_t *out = NULL;
  int rc;

  if ((portal = portal_of(ctx)) == NULL) return;
  if (admin_conn(ctx, &conn, NULL) != 0) return;
  rc = policy_authority_settings_get(conn, portal, &out);
  service_db_release(ctx, conn);
  if (rc != CS_OK) {
    failure(ctx, rc, "no such portal");
    return;
  }
  http_json_resource(ctx->resp, 200, out);
}

static void callback_policy_settings_patch(struct request_ctx *ctx) {
  static const struct write_hooks hooks = {.read = policy_authority_settings_read,
                                           .check = settings_check,
                                           .lock = policy_authority_settings_lock,
                                           .apply = policy_authority_settings_apply};
  struct policy_authority_op op = {0};
  if ((op.portal_id = portal_of(ctx)) == NULL) return;
  admin_write(ctx, "only an admin (authority level 6) of the insurer may change portal settings",
              &op, &hooks);
}

/* ---- POST /internal/authorize ---------------------------------------------------------- */

/* One decision ("action"), or a batch ("actions") that is not logged: authority.c. */
static void callback_policy_authorize_post(struct request_ctx *ctx) {
  struct cs_refusal err = {0};
  PGconn *conn = NULL;
  json_t *body = NULL, *out = NULL;
  int rc;

  if (http_parse_json_object(ctx->req, ctx->resp, &body) != CS_OK) goto done;
  if (service_db_acquire(ctx, &conn) != CS_OK) goto done;
  rc = policy_authority_authorize(conn, body, &out, &err);
  if (rc == CS_OK) {
    u_map_put(ctx->resp->map_header, "Cache-Control", "no-store");
    http_json(ctx->resp, 200, out);
  } else if (rc == CS_ERR_INVALID) {
    invalid(ctx, "the authorization request is invalid", json_incref(err.errors));
  } else {
    failure(ctx, rc, "not found"); /* a database timeout is 504 */
  }
done:
  if (conn != NULL) service_db_release(ctx, conn);
  cs_refusal_clear(&err);
  json_decref(body);
}

/* ---- GET /v1/authorize/log ------------------------------------------------------------- */

/* 400: the query parameter field is not valid (message is also the detail). */
static void bad_parameter(struct request_ctx *ctx, const char *field, const char *message) {
  struct cs_refusal bad = {0};
  cs_refuse(&bad, PROBLEM_INVALID_PARAMETER, "%s", message);
  cs_refusal_field(&bad, field, FIELD_INVALID, message);
  service_refusal_answer(ctx, &bad);
  cs_refusal_clear(&bad);
}

static void callback_policy_authorize_log_get(struct request_ctx *ctx) {
  struct policy_store_decision_filter f = {NULL, NULL, NULL, NULL};
  const char *portal;
  json_t *pos = NULL;
  PGconn *conn = NULL;
  json_t *page = NULL;
  struct cs_refusal bad = {0};
  long limit;
  int rc;

  if ((portal = portal_of(ctx)) == NULL) return;
  if (admin_conn(ctx, &conn,
                 "only an admin (authority level 6) of the insurer may read the decision log"))
    return;
  if (paging_parse(ctx->req->map_url, &limit, &pos, &bad) != CS_OK) {
    service_refusal_answer(ctx, &bad);
    goto done;
  }
  f.user_id = u_map_get(ctx->req->map_url, "user_id");
  f.action = u_map_get(ctx->req->map_url, "action");
  f.allow = u_map_get(ctx->req->map_url, "allow");
  if (f.user_id != NULL && !ids_is_uuid(f.user_id)) {
    bad_parameter(ctx, "user_id", "user_id must be a UUID");
    goto done;
  }
  if (f.allow != NULL && strcmp(f.allow, "true") != 0 && strcmp(f.allow, "false") != 0) {
    bad_parameter(ctx, "allow", "allow must be true or false");
    goto done;
  }
  if (f.action != NULL && strlen(f.action) > 100) {
    bad_parameter(ctx, "action", "action is too long");
    goto done;
  }
  rc = policy_authority_log(conn, portal, &f, pos, limit, &page);
  if (rc == CS_ERR_INVALID)
    bad_parameter(ctx, "cursor", "cursor is not valid");
  else if (rc != CS_OK)
    failure(ctx, rc, "not found");
  else
    http_json(ctx->resp, 200, page);
done:
  service_db_release(ctx, conn);
  cs_refusal_clear(&bad);
  json_decref(pos);
}

/* ---- start ----------------------------------------------------------------------------- */

void policy_authority_routes(struct service *svc) {
  static const struct service_route_def routes[] = {
      {"GET", "/v1/roles/:role", callback_policy_roles_get, ROUTE_AUTHENTICATED},
      {"PUT", "/v1/roles/:role", callback_policy_roles_put, ROUTE_AUTHENTICATED},
      {"GET", "/v1/portal/settings", callback_policy_settings_get, ROUTE_AUTHENTICATED},
      {"PATCH", "/v1/portal/settings", callback_policy_settings_patch, ROUTE_AUTHENTICATED},
      {"POST", "/internal/authorize", callback_policy_authorize_post, ROUTE_SERVICE},
      {"GET", "/v1/authorize/log", callback_policy_authorize_log_get, ROUTE_AUTHENTICATED},
  };
  service_routes(svc, routes, SERVICE_ROUTES_COUNT(routes), "the authority resources");
}
