/* GET /v1/dashboard: the caller's counters (see dashboard.h). */
#include "cases_routes.h"
#include "dashboard.h"
#include "http.h"
#include "http_case_op.h"
#include "status.h"

static int read_dashboard(PGconn *conn, const struct cases_caller *c, void *arg, char **out,
                          struct cs_refusal *err) {
  json_t *board = NULL;
  (void)arg;
  int rc = cases_dashboard(conn, c, &board, err);
  if (rc != CS_OK) return rc;
  if ((*out = http_json_encode(board)) == NULL)
    return cs_refuse(err, PROBLEM_INTERNAL, "the dashboard could not be encoded");
  return CS_OK;
}

static void callback_cases_dashboard_get(struct request_ctx *ctx) {
  cases_http_read(ctx, read_dashboard, NULL);
}

void cases_dashboard_routes(struct service *svc) {
  static const struct service_route_def routes[] = {
      {"GET", "/v1/dashboard", callback_cases_dashboard_get, ROUTE_AUTHENTICATED}};
  service_routes(svc, routes, 1, "the dashboard");
}
