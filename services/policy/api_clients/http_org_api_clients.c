/* /v1/api-clients: the routes and the body table; the rules are in org_api_clients.c. No SQL
 * here. */
#include "http.h"
#include "http_org_list.h"
#include "http_org_write.h"
#include "org_api_clients.h"
#include "service.h"

static const struct http_field client_create_fields[] = {
    {"name", HTTP_FIELD_STRING, 1, 200},
};

static const struct policy_org_write_route client_create = {client_create_fields,
                                                            1,
                                                            policy_org_api_client_rules,
                                                            policy_org_api_client_create,
                                                            201,
                                                            NULL,
                                                            "/v1/api-clients",
                                                            "/v1/api-clients"};
static const struct policy_org_write_route client_delete = {
    NULL, 0, NULL, policy_org_api_client_delete, 204, "API client", NULL, NULL};

static void clients_list(struct request_ctx *ctx) {
  policy_org_http_list(ctx, NULL, 0, policy_org_api_client_list);
}
static void clients_create(struct request_ctx *ctx) {
  policy_org_http_write(ctx, &client_create);
  u_map_put(ctx->resp->map_header, "Cache-Control", "no-store"); /* the secret is in it */
}
static void clients_delete(struct request_ctx *ctx) { policy_org_http_write(ctx, &client_delete); }

void policy_org_api_clients_routes(struct service *svc) {
  static const struct service_route_def routes[] = {
      {"GET", "/v1/api-clients", clients_list, ROUTE_AUTHENTICATED},
      {"POST", "/v1/api-clients", clients_create, ROUTE_AUTHENTICATED},
      {"DELETE", "/v1/api-clients/:id", clients_delete, ROUTE_AUTHENTICATED},
  };
  service_routes(svc, routes, SERVICE_ROUTES_COUNT(routes), "the API clients");
}
