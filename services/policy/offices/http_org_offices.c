/* /v1/offices: the routes, their query filters and body tables; the rules are in
 * org_offices.c. No SQL here. */
#include "http_org.h"
#include "http_org_list.h"
#include "http_org_write.h"
#include "org_offices.h"
#include "service.h"

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

static const char *const temporary_cases[] = {"never", "outside_office_hours", "always", NULL};
static const char *const roles[] = {"external_case_handler", NULL};

/* in enum policy_org_office_filter order */
static const struct policy_org_filter_param office_filters[] = {
    {"company", 'u', NULL},
    {"category", 's', NULL},
    {"has_role", 'w', roles},
    {"temporary_cases", 'w', temporary_cases},
};

#define OFFICE_FIELDS                                                                          \
  {"name", HTTP_FIELD_STRING, 0, 200}, {"street", HTTP_FIELD_STRING, 0, 200},                  \
      {"postal_code", HTTP_FIELD_STRING, 0, 20}, {"city", HTTP_FIELD_STRING, 0, 100},          \
      {"country", HTTP_FIELD_STRING, 0, 2}, {"latitude", HTTP_FIELD_NUMBER, 0, 0},             \
      {"longitude", HTTP_FIELD_NUMBER, 0, 0}, {"temporary_cases", HTTP_FIELD_STRING, 0, 40}, { \
    "categories", HTTP_FIELD_ARRAY, 0, 0                                                       \
  }

static const struct http_field office_create_fields[] = {
    {"company_id", HTTP_FIELD_UUID, 0, 0},
    {"name", HTTP_FIELD_STRING, 1, 200},
    OFFICE_FIELDS,
};
static const struct http_field office_patch_fields[] = {OFFICE_FIELDS};

static const struct policy_org_write_route office_create = {office_create_fields,
                                                            NFIELDS(office_create_fields),
                                                            policy_org_office_rules,
                                                            policy_org_office_create,
                                                            201,
                                                            NULL,
                                                            "/v1/offices",
                                                            "/v1/offices"};
static const struct policy_org_write_route office_patch = {office_patch_fields,
                                                           NFIELDS(office_patch_fields),
                                                           policy_org_office_rules,
                                                           policy_org_office_patch,
                                                           200,
                                                           "office",
                                                           NULL,
                                                           NULL};

static void offices_list(struct request_ctx *ctx) {
  policy_org_http_list(ctx, office_filters, NFIELDS(office_filters), policy_org_office_list);
}
static void offices_get(struct request_ctx *ctx) {
  policy_org_http_read(ctx, "office", policy_org_office_get);
}
static void offices_create(struct request_ctx *ctx) { policy_org_http_write(ctx, &office_create); }
static void offices_patch(struct request_ctx *ctx) { policy_org_http_write(ctx, &office_patch); }

void policy_org_offices_routes(struct service *svc) {
  static const struct service_route_def routes[] = {
      {"GET", "/v1/offices", offices_list, ROUTE_AUTHENTICATED},
      {"POST", "/v1/offices", offices_create, ROUTE_AUTHENTICATED},
      {"GET", "/v1/offices/:id", offices_get, ROUTE_AUTHENTICATED},
      {"PATCH", "/v1/offices/:id", offices_patch, ROUTE_AUTHENTICATED},
  };
  service_routes(svc, routes, SERVICE_ROUTES_COUNT(routes), "the offices");
}
