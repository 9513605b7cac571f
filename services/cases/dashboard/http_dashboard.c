/* GET /v1/dashboard: the caller's counters (see dashboard.h). */
#include <stdlib.h>

#include "dashboard.h"
#include "http.h"
#include "http_case_op.h"
#include "log.h"
#include "service.h"
#include "status.h"

static void callback_cases_dashboard_get(struct request_ctx *ctx) {
  struct cases_caller caller;
  struct cs_refusal err = {0};
  json_t *dashboard = NULL;
  PGconn *conn = NULL;

  if (cases_http_caller(ctx, &caller) != CS_OK) return;
  if (service_db_acquire(ctx, &conn) != CS_OK) goto done;
  if (cases_dashboard(conn, &caller, &dashboard, &err) != CS_OK) {
    service_refusal_answer(ctx, &err);
    goto done;
  }
  http_json(ctx->resp, 200, dashboard);
  dashboard = NULL;
done:
  if (conn != NULL) service_db_release(ctx, conn);
  json_decref(dashboard);
  cs_refusal_clear(&err);
  cases_caller_clear(&caller);
}

void cases_dashboard_routes(struct service *svc) {
  if (service_route(svc, "GET", "/v1/dashboard", callback_cases_dashboard_get,
                    ROUTE_AUTHENTICATED) != CS_OK) {
    log_error("cases: the dashboard route could not be registered");
    exit(2);
  }
}
