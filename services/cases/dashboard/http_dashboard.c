/* GET /v1/dashboard: the caller's counters (see dashboard.h). */
#include "cases_routes.h"
#include "dashboard.h"
#include "http_case_op.h"

static int read_dashboard(PGconn *conn, const struct cases_caller *c, void *arg, json_t **out,
                          struct cs_refusal *err) {
  (void)arg;
  return cases_dashboard(conn, c, out, err);
}

static void callback_cases_dashboard_get(struct request_ctx *ctx) {
  cases_http_read(ctx, read_dashboard, NULL);
}

void cases_dashboard_routes(struct service *svc) {
  static const struct service_route_def routes[] = {
      {"GET", "/v1/dashboard", callback_cases_dashboard_get, ROUTE_AUTHENTICATED}};
  service_routes(svc, routes, 1, "the dashboard");
}
