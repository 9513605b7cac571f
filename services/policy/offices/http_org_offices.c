/* /v1/offices: decode the request, call org_offices.c, encode the answer. No SQL here. */
#include "http.h"
#include "org_internal.h"
#include "service.h"
#include "status.h"

#define OFFICE_FIELDS                                 \
  {"name", HTTP_FIELD_STRING, 0, 200},                \
  {"street", HTTP_FIELD_STRING, 0, 200},              \
  {"postal_code", HTTP_FIELD_STRING, 0, 20},          \
  {"city", HTTP_FIELD_STRING, 0, 100},                \
  {"country", HTTP_FIELD_STRING, 0, 2},               \
  {"latitude", HTTP_FIELD_NUMBER, 0, 0},              \
  {"longitude", HTTP_FIELD_NUMBER, 0, 0},             \
  {"temporary_cases", HTTP_FIELD_STRING, 0, 40},      \
  {"categories", HTTP_FIELD_ARRAY, 0, 0}

static const struct http_field office_create_fields[] = {
    {"company_id", HTTP_FIELD_UUID, 0, 0},
    {"name", HTTP_FIELD_STRING, 1, 200},
    OFFICE_FIELDS,
};
static const struct http_field office_patch_fields[] = {OFFICE_FIELDS};

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

static const char *const temporary_cases[] = {"never", "outside_office_hours", "always", NULL};
static const char *const roles[] = {"external_case_handler", NULL};

static int list_offices(PGconn *conn, const struct policy_org_caller *c, const void *query,
                        const struct policy_org_page *pg, json_t **rows,
                        struct cs_refusal *err) {
  return policy_org_office_list(conn, c, query, pg, rows, err);
}

static void offices_list(struct request_ctx *ctx) {
  struct policy_org_caller c;
  struct policy_org_office_query q;
  struct cs_refusal bad = {0};
  PGconn *conn;

  if (policy_org_http_caller(ctx, &c, &conn) != CS_OK) return;
  q.company_id = policy_org_http_filter(ctx, "company", 'u', NULL, &bad);
  q.category = policy_org_http_filter(ctx, "category", 's', NULL, &bad);
  q.has_role = policy_org_http_filter(ctx, "has_role", 'w', roles, &bad);
  q.temporary_cases = policy_org_http_filter(ctx, "temporary_cases", 'w', temporary_cases, &bad);
  if (!policy_org_http_filter_errors(ctx, &bad))
    policy_org_http_list(ctx, conn, &c, list_offices, &q);
  service_db_release(ctx, conn);
}

static void offices_get(struct request_ctx *ctx) {
  policy_org_http_read(ctx, "office", policy_org_office_get);
}

static void offices_create(struct request_ctx *ctx) {
  policy_org_http_write(ctx, office_create_fields, NFIELDS(office_create_fields), NULL,
                        policy_org_office_create, 201, "/v1/offices", "/v1/offices");
}

static void offices_patch(struct request_ctx *ctx) {
  const char *id = http_path_uuid(ctx->req, ctx->resp, "id", "office");
  if (id == NULL) return;
  policy_org_http_write(ctx, office_patch_fields, NFIELDS(office_patch_fields), id,
                        policy_org_office_patch, 200, NULL, NULL);
}

void policy_org_offices_routes(struct service *svc) {
  service_route(svc, "GET", "/v1/offices", offices_list, ROUTE_AUTHENTICATED);
  service_route(svc, "POST", "/v1/offices", offices_create, ROUTE_AUTHENTICATED);
  service_route(svc, "GET", "/v1/offices/:id", offices_get, ROUTE_AUTHENTICATED);
  service_route(svc, "PATCH", "/v1/offices/:id", offices_patch, ROUTE_AUTHENTICATED);
}
