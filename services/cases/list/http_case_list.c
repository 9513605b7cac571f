/* GET /v1/cases: the caller's visible cases, filtered, one keyset page at a time, each with
 * the caller's reasons to act (see case_list.h). POST /v1/cases and /v1/cases/{id}... are
 * registered by http_cases.c; ulfius routes by method and pattern, so they do not clash. */
#include "case_list.h"
#include "cases_routes.h"
#include "http_case_op.h"
#include "status.h"

/* The page of the query parameters (arg: the request's map, borrowed). */
static int read_page(PGconn *conn, const struct cases_caller *c, void *arg, char **out,
                     struct cs_refusal *err) {
  struct cases_list_query query;
  int rc = cases_list_query_parse(arg, c, &query, err);
  if (rc == CS_OK) rc = cases_list_page(conn, c, &query, out, err);
  cases_list_query_clear(&query);
  return rc;
}

static void callback_cases_list_get(struct request_ctx *ctx) {
  cases_http_read(ctx, read_page, ctx->req->map_url);
}

void cases_list_routes(struct service *svc) {
  static const struct service_route_def routes[] = {
      {"GET", "/v1/cases", callback_cases_list_get, ROUTE_AUTHENTICATED}};
  service_routes(svc, routes, 1, "the case list");
}
