/* /v1/companies: decode the request, call org_companies.c, encode the answer. No SQL here. */
#include "http.h"
#include "org_internal.h"
#include "service.h"
#include "status.h"

static const struct http_field company_create_fields[] = {
    {"kind", HTTP_FIELD_STRING, 1, 20},
    {"name", HTTP_FIELD_STRING, 1, 200},
    {"org_number", HTTP_FIELD_STRING, 0, 40},
};
static const struct http_field company_patch_fields[] = {
    {"name", HTTP_FIELD_STRING, 0, 200},
    {"org_number", HTTP_FIELD_STRING, 0, 40},
};
static const struct http_field company_link_fields[] = {
    {"org_number", HTTP_FIELD_STRING, 1, 40},
};

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

static const char *const kinds[] = {"insurer", "partner", "customer", "agent", NULL};

static int list_companies(PGconn *conn, const struct policy_org_caller *c, const void *kind,
                          const struct policy_org_page *pg, json_t **rows,
                          struct cs_refusal *err) {
  return policy_org_company_list(conn, c, kind, pg, rows, err);
}

static void companies_list(struct request_ctx *ctx) {
  struct policy_org_caller c;
  struct cs_refusal bad = {0};
  PGconn *conn;

  if (policy_org_http_caller(ctx, &c, &conn) != CS_OK) return;
  const char *kind = policy_org_http_filter(ctx, "kind", 'w', kinds, &bad);
  if (!policy_org_http_filter_errors(ctx, &bad))
    policy_org_http_list(ctx, conn, &c, list_companies, kind);
  service_db_release(ctx, conn);
}

static void companies_get(struct request_ctx *ctx) {
  policy_org_http_read(ctx, "company", policy_org_company_get);
}

static void companies_create(struct request_ctx *ctx) {
  policy_org_http_write(ctx, company_create_fields, NFIELDS(company_create_fields), NULL,
                        policy_org_company_create, 201, "/v1/companies", "/v1/companies");
}

static void companies_link(struct request_ctx *ctx) {
  policy_org_http_write(ctx, company_link_fields, NFIELDS(company_link_fields), NULL,
                        policy_org_company_link, 201, "/v1/companies/links", "/v1/companies");
}

static void companies_patch(struct request_ctx *ctx) {
  const char *id = http_path_uuid(ctx->req, ctx->resp, "id", "company");
  if (id == NULL) return;
  policy_org_http_write(ctx, company_patch_fields, NFIELDS(company_patch_fields), id,
                        policy_org_company_patch, 200, NULL, NULL);
}

void policy_org_companies_routes(struct service *svc) {
  service_route(svc, "GET", "/v1/companies", companies_list, ROUTE_AUTHENTICATED);
  service_route(svc, "POST", "/v1/companies", companies_create, ROUTE_AUTHENTICATED);
  service_route(svc, "POST", "/v1/companies/links", companies_link, ROUTE_AUTHENTICATED);
  service_route(svc, "GET", "/v1/companies/:id", companies_get, ROUTE_AUTHENTICATED);
  service_route(svc, "PATCH", "/v1/companies/:id", companies_patch, ROUTE_AUTHENTICATED);
}
