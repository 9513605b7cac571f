/* /v1/companies: the routes, their query filters and body tables; the rules are in
 * org_companies.c. No SQL here. */
#include "http_org.h"
#include "http_org_list.h"
#include "http_org_write.h"
#include "org_companies.h"
#include "service.h"

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

static const char *const kinds[] = {"insurer", "partner", "customer", "agent", NULL};

/* in enum policy_org_company_filter order */
static const struct policy_org_filter_param company_filters[] = {{"kind", 'w', kinds}};

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

static const struct policy_org_write_route company_create = {company_create_fields,
                                                             NFIELDS(company_create_fields),
                                                             policy_org_company_rules,
                                                             policy_org_company_create,
                                                             201,
                                                             NULL,
                                                             "/v1/companies",
                                                             "/v1/companies"};
static const struct policy_org_write_route company_patch = {company_patch_fields,
                                                            NFIELDS(company_patch_fields),
                                                            policy_org_company_rules,
                                                            policy_org_company_patch,
                                                            200,
                                                            "company",
                                                            NULL,
                                                            NULL};
static const struct policy_org_write_route company_link = {company_link_fields,
                                                           NFIELDS(company_link_fields),
                                                           policy_org_company_link_rules,
                                                           policy_org_company_link,
                                                           201,
                                                           NULL,
                                                           "/v1/companies/links",
                                                           "/v1/companies"};

static void companies_list(struct request_ctx *ctx) {
  policy_org_http_list(ctx, company_filters, NFIELDS(company_filters), policy_org_company_list);
}
static void companies_get(struct request_ctx *ctx) {
  policy_org_http_read(ctx, "company", policy_org_company_get);
}
static void companies_create(struct request_ctx *ctx) {
  policy_org_http_write(ctx, &company_create);
}
static void companies_link(struct request_ctx *ctx) { policy_org_http_write(ctx, &company_link); }
static void companies_patch(struct request_ctx *ctx) { policy_org_http_write(ctx, &company_patch); }

void policy_org_companies_routes(struct service *svc) {
  static const struct service_route_def routes[] = {
      {"GET", "/v1/companies", companies_list, ROUTE_AUTHENTICATED},
      {"POST", "/v1/companies", companies_create, ROUTE_AUTHENTICATED},
      {"POST", "/v1/companies/links", companies_link, ROUTE_AUTHENTICATED},
      {"GET", "/v1/companies/:id", companies_get, ROUTE_AUTHENTICATED},
      {"PATCH", "/v1/companies/:id", companies_patch, ROUTE_AUTHENTICATED},
  };
  service_routes(svc, routes, SERVICE_ROUTES_COUNT(routes), "the companies");
}
