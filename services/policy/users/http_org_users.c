/* /v1/users: the routes, their query filters and body tables; the rules are in org_users.c.
 * No SQL here. */
#include "http_org.h"
#include "http_org_list.h"
#include "http_org_write.h"
#include "org_users.h"
#include "service.h"

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

/* in enum policy_org_user_filter order */
static const struct policy_org_filter_param user_filters[] = {
    {"company", 'u', NULL}, {"office", 'u', NULL}, {"external_case_handler", 'b', NULL},
    {"active", 'b', NULL},  {"q", 's', NULL},
};

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

static const struct policy_org_write_route user_create = {user_create_fields,
                                                          NFIELDS(user_create_fields),
                                                          policy_org_user_rules,
                                                          policy_org_user_create,
                                                          201,
                                                          NULL,
                                                          "/v1/users",
                                                          "/v1/users"};
static const struct policy_org_write_route user_patch = {user_patch_fields,
                                                         NFIELDS(user_patch_fields),
                                                         policy_org_user_rules,
                                                         policy_org_user_patch,
                                                         200,
                                                         "user",
                                                         NULL,
                                                         NULL};
static const struct policy_org_write_route user_put_roles = {user_roles_fields,
                                                             NFIELDS(user_roles_fields),
                                                             policy_org_user_roles_rules,
                                                             policy_org_user_put_roles,
                                                             200,
                                                             "user",
                                                             NULL,
                                                             NULL};

static void users_list(struct request_ctx *ctx) {
  policy_org_http_list(ctx, user_filters, NFIELDS(user_filters), policy_org_user_list);
}
static void users_get(struct request_ctx *ctx) {
  policy_org_http_read(ctx, "user", policy_org_user_get);
}
static void users_create(struct request_ctx *ctx) { policy_org_http_write(ctx, &user_create); }
static void users_patch(struct request_ctx *ctx) { policy_org_http_write(ctx, &user_patch); }
static void users_put_roles(struct request_ctx *ctx) {
  policy_org_http_write(ctx, &user_put_roles);
}

void policy_org_users_routes(struct service *svc) {
  static const struct service_route_def routes[] = {
      {"GET", "/v1/users", users_list, ROUTE_AUTHENTICATED},
      {"POST", "/v1/users", users_create, ROUTE_AUTHENTICATED},
      {"GET", "/v1/users/:id", users_get, ROUTE_AUTHENTICATED},
      {"PATCH", "/v1/users/:id", users_patch, ROUTE_AUTHENTICATED},
      {"PUT", "/v1/users/:id/org-roles", users_put_roles, ROUTE_AUTHENTICATED},
  };
  service_routes(svc, routes, SERVICE_ROUTES_COUNT(routes), "the users");
}
