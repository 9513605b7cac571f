/* GET /v1/cases: the caller's visible cases, filtered, one keyset page at a time, each with
 * the caller's reasons to act (see case_list.h). POST /v1/cases and /v1/cases/{id}... are
 * registered by http_cases.c; ulfius routes by method and pattern, so they do not clash. */
#include <stdlib.h>

#include "case_list.h"
#include "http.h"
#include "http_case_op.h"
#include "log.h"
#include "service.h"
#include "status.h"

static void callback_cases_list_get(struct request_ctx *ctx) {
  struct cases_caller caller;
  struct cases_list_query query;
  struct cs_refusal err = {0};
  json_t *page = NULL;
  PGconn *conn = NULL;

  if (cases_http_caller(ctx, &caller) != CS_OK) return;
  if (cases_list_query_parse(ctx->req->map_url, &caller, &query, &err) != CS_OK) {
    service_refusal_answer(ctx, &err);
    goto done;
  }
  if (service_db_acquire(ctx, &conn) != CS_OK) goto done;
  if (cases_list_page(conn, &caller, &query, &page, &err) != CS_OK) {
    service_refusal_answer(ctx, &err);
    goto done;
  }
  http_json(ctx->resp, 200, page);
  page = NULL;
done:
  if (conn != NULL) service_db_release(ctx, conn);
  json_decref(page);
  cases_list_query_clear(&query);
  cs_refusal_clear(&err);
  cases_caller_clear(&caller);
}

void cases_list_routes(struct service *svc) {
  if (service_route(svc, "GET", "/v1/cases", callback_cases_list_get, ROUTE_AUTHENTICATED) !=
      CS_OK) {
    log_error("cases: the case list route could not be registered");
    exit(2);
  }
}
