/* /v1/api-clients: decode the request, call org_api_clients.c, encode the answer. No SQL. */
#include "http.h"
#include "org_internal.h"
#include "service.h"
#include "status.h"

static const struct http_field client_create_fields[] = {
    {"name", HTTP_FIELD_STRING, 1, 200},
};

static int list_clients(PGconn *conn, const struct policy_org_caller *c, const void *query,
                        const struct policy_org_page *pg, json_t **rows,
                        struct cs_refusal *err) {
  (void)query;
  return policy_org_api_client_list(conn, c, pg, rows, err);
}

static void clients_list(struct request_ctx *ctx) {
  struct policy_org_caller c;
  PGconn *conn;
  if (policy_org_http_caller(ctx, &c, &conn) != CS_OK) return;
  policy_org_http_list(ctx, conn, &c, list_clients, NULL);
  service_db_release(ctx, conn);
}

static void clients_create(struct request_ctx *ctx) {
  policy_org_http_write(ctx, client_create_fields, 1, NULL, policy_org_api_client_create, 201,
                        "/v1/api-clients", "/v1/api-clients");
  u_map_put(ctx->resp->map_header, "Cache-Control", "no-store");
}

static void clients_delete(struct request_ctx *ctx) {
  const char *id = http_path_uuid(ctx->req, ctx->resp, "id", "API client");
  if (id == NULL) return;
  policy_org_http_write(ctx, NULL, 0, id, policy_org_api_client_delete, 204, NULL, NULL);
}

void policy_org_api_clients_routes(struct service *svc) {
  service_route(svc, "GET", "/v1/api-clients", clients_list, ROUTE_AUTHENTICATED);
  service_route(svc, "POST", "/v1/api-clients", clients_create, ROUTE_AUTHENTICATED);
  service_route(svc, "DELETE", "/v1/api-clients/:id", clients_delete, ROUTE_AUTHENTICATED);
}
