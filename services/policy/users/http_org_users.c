/* /v1/users: decode the request, call org_users.c, encode the answer. No SQL here. */
#include <string.h>

#include "http.h"
#include "org_internal.h"
#include "service.h"
#include "status.h"

static const struct http_field user_create_fields[] = {
    {"email", HTTP_FIELD_STRING, 1, 320},
    {"name", HTTP_FIELD_STRING, 1, 200},
    {"mobile", HTTP_FIELD_STRING, 0, 40},
    {"password", HTTP_FIELD_STRING, 0, 1024},
    {"authority_level", HTTP_FIELD_INTEGER, 1, 0},
    {"company_id", HTTP_FIELD_UUID, 0, 0},
    {"offices", HTTP_FIELD_ARRAY, 0, 0},
    {"active", HTTP_FIELD_BOOLEAN, 0, 0},
    {"external_case_handler", HTTP_FIELD_BOOLEAN, 0, 0},
    {"budget_limit", HTTP_FIELD_INTEGER, 0, 0},
};

static const struct http_field user_patch_fields[] = {
    {"name", HTTP_FIELD_STRING, 0, 200},
    {"mobile", HTTP_FIELD_STRING, 0, 40},
    {"authority_level", HTTP_FIELD_INTEGER, 0, 0},
    {"active", HTTP_FIELD_BOOLEAN, 0, 0},
    {"offices", HTTP_FIELD_ARRAY, 0, 0},
    {"external_case_handler", HTTP_FIELD_BOOLEAN, 0, 0},
    {"budget_limit", HTTP_FIELD_INTEGER, 0, 0},
};

static const struct http_field user_roles_fields[] = {
    {"roles", HTTP_FIELD_ARRAY, 1, 0},
};

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

static int list_users(PGconn *conn, const struct policy_org_caller *c, const void *query,
                      const struct policy_org_page *pg, json_t **rows,
                      struct cs_refusal *err) {
  return policy_org_user_list(conn, c, query, pg, rows, err);
}

static void users_list(struct request_ctx *ctx) {
  struct policy_org_caller c;
  struct policy_org_user_query q;
  struct cs_refusal bad = {0};
  PGconn *conn;

  if (policy_org_http_caller(ctx, &c, &conn) != CS_OK) return;
  q.company_id = policy_org_http_filter(ctx, "company", 'u', NULL, &bad);
  q.office_id = policy_org_http_filter(ctx, "office", 'u', NULL, &bad);
  q.external_case_handler = policy_org_http_filter(ctx, "external_case_handler", 'b', NULL, &bad);
  q.active = policy_org_http_filter(ctx, "active", 'b', NULL, &bad);
  q.q = policy_org_http_filter(ctx, "q", 's', NULL, &bad);
  if (!policy_org_http_filter_errors(ctx, &bad))
    policy_org_http_list(ctx, conn, &c, list_users, &q);
  service_db_release(ctx, conn);
}

static void users_get(struct request_ctx *ctx) {
  policy_org_http_read(ctx, "user", policy_org_user_get);
}

static void users_create(struct request_ctx *ctx) {
  policy_org_http_write(ctx, user_create_fields, NFIELDS(user_create_fields), NULL,
                        policy_org_user_create, 201, "/v1/users", "/v1/users");
}

static void users_patch(struct request_ctx *ctx) {
  const char *id = http_path_uuid(ctx->req, ctx->resp, "id", "user");
  if (id == NULL) return;
  policy_org_http_write(ctx, user_patch_fields, NFIELDS(user_patch_fields), id,
                        policy_org_user_patch, 200, NULL, NULL);
}

static void users_put_roles(struct request_ctx *ctx) {
  const char *id = http_path_uuid(ctx->req, ctx->resp, "id", "user");
  if (id == NULL) return;
  policy_org_http_write(ctx, user_roles_fields, NFIELDS(user_roles_fields), id,
                        policy_org_user_put_roles, 200, NULL, NULL);
}

void policy_org_users_routes(struct service *svc) {
  service_route(svc, "GET", "/v1/users", users_list, ROUTE_AUTHENTICATED);
  service_route(svc, "POST", "/v1/users", users_create, ROUTE_AUTHENTICATED);
  service_route(svc, "GET", "/v1/users/:id", users_get, ROUTE_AUTHENTICATED);
  service_route(svc, "PATCH", "/v1/users/:id", users_patch, ROUTE_AUTHENTICATED);
  service_route(svc, "PUT", "/v1/users/:id/org-roles", users_put_roles, ROUTE_AUTHENTICATED);
}
