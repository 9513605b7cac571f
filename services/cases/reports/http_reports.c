/* GET /v1/reports/case-statistics: JSON, or CSV when the Accept header prefers text/csv (see
 * reports.h). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "cases_routes.h"
#include "http_case_op.h"
#include "reports.h"
#include "service.h"
#include "status.h"

/* The q of a media range "type/sub;q=0.5" (1 without q). */
static double range_quality(const char *range, size_t len) {
  const char *q = range;
  while ((q = memchr(q, ';', len - (size_t)(q - range))) != NULL) {
    q++;
    while (q < range + len && isspace((unsigned char)*q)) q++;
    if (q + 2 <= range + len && (q[0] == 'q' || q[0] == 'Q') && q[1] == '=')
      return strtod(q + 2, NULL);
  }
  return 1.0;
}

/* The best q Accept gives to exactly the media type name (no wildcards), 0 when absent. */
static double quality_of(const char *accept, const char *name) {
  size_t nlen = strlen(name);
  double best = 0;
  for (const char *p = accept; *p;) {
    size_t len = strcspn(p, ",");
    const char *r = p;
    while (r < p + len && isspace((unsigned char)*r)) r++;
    size_t rlen = (size_t)(p + len - r);
    if (rlen >= nlen && !strncasecmp(r, name, nlen) &&
        (rlen == nlen || r[nlen] == ';' || isspace((unsigned char)r[nlen]))) {
      double q = range_quality(r, rlen);
      if (q > best) best = q;
    }
    p += len;
    if (*p == ',') p++;
  }
  return best;
}

/* CSV when the client names text/csv at least as high as application/json; JSON otherwise
 * (also for no Accept header or wildcards only). */
static int wants_csv(const char *accept) {
  if (accept == NULL) return 0;
  double csv = quality_of(accept, "text/csv");
  return csv > 0 && csv >= quality_of(accept, "application/json");
}

static int answer_csv(struct request_ctx *ctx, const json_t *report) {
  size_t len = 0;
  char *csv = cases_report_csv(json_object_get(report, "rows"), &len);
  if (csv == NULL) return CS_ERR_NOMEM;
  ulfius_set_binary_body_response(ctx->resp, 200, csv, len);
  free(csv);
  u_map_put(ctx->resp->map_header, "Content-Type", "text/csv; charset=utf-8");
  u_map_put(ctx->resp->map_header, "Content-Disposition",
            "attachment; filename=\"case-statistics.csv\"");
  u_map_put(ctx->resp->map_header, "X-Report-Truncated",
            json_is_true(json_object_get(report, "truncated")) ? "true" : "false");
  return CS_OK;
}

static void callback_cases_report_case_statistics_get(struct request_ctx *ctx) {
  struct cases_caller caller;
  struct cases_report_range range;
  struct cs_refusal err = {0};
  json_t *report = NULL, *rows = NULL;
  PGconn *conn = NULL;

  if (cases_http_caller(ctx, &caller) != CS_OK) return;
  if (cases_report_allowed(&caller, &err) != CS_OK ||
      cases_report_range_parse(ctx->req->map_url, &range, &err) != CS_OK) {
    service_refusal_answer(ctx, &err);
    goto done;
  }
  if (service_db_acquire(ctx, &conn) != CS_OK) goto done;
  int rc = cases_report_rows(conn, &caller, &range, &rows, &err);
  service_db_release(ctx, conn); /* before the replica is read for the emails */
  if (rc != CS_OK || cases_report_case_statistics(&caller, &range, rows, &report, &err) != CS_OK) {
    service_refusal_answer(ctx, &err);
    goto done;
  }
  /* personal data (emails): never kept by caches on the way */
  u_map_put(ctx->resp->map_header, "Cache-Control", "no-store");
  u_map_put(ctx->resp->map_header, "Vary", "Accept");
  if (wants_csv(http_header(ctx->req, "Accept"))) {
    if (answer_csv(ctx, report) != CS_OK)
      http_problem(ctx->resp, PROBLEM_INTERNAL, "out of memory");
  } else {
    http_json(ctx->resp, 200, report);
    report = NULL;
  }
done:
  json_decref(report);
  cs_refusal_clear(&err);
  cases_caller_clear(&caller);
}

void cases_report_routes(struct service *svc) {
  static const struct service_route_def routes[] = {{"GET", "/v1/reports/case-statistics",
                                                     callback_cases_report_case_statistics_get,
                                                     ROUTE_AUTHENTICATED}};
  service_routes(svc, routes, 1, "the reports");
}
