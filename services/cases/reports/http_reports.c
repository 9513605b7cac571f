/* GET /v1/reports/case-statistics (reports.h) and /v1/reports/temporary-cases[/{report_id}]
 * (temporary/report_temporary.h): JSON, or CSV when the Accept header prefers text/csv; and the
 * start and stop of the temporary-case reports' schedule. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "cases_routes.h"
#include "http_case_op.h"
#include "report_schedule.h"
#include "report_temporary.h"
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

/* csv (freed here; NULL: out of memory) as a download named in disposition. */
static int answer_csv_text(struct request_ctx *ctx, char *csv, size_t len,
                           const char *disposition) {
  if (csv == NULL) return CS_ERR_NOMEM;
  ulfius_set_binary_body_response(ctx->resp, 200, csv, len);
  free(csv);
  u_map_put(ctx->resp->map_header, "Content-Type", "text/csv; charset=utf-8");
  u_map_put(ctx->resp->map_header, "Content-Disposition", disposition);
  return CS_OK;
}

static int answer_csv(struct request_ctx *ctx, const json_t *report) {
  size_t len = 0;
  char *csv = cases_report_csv(json_object_get(report, "rows"), &len);
  if (answer_csv_text(ctx, csv, len, "attachment; filename=\"case-statistics.csv\"") != CS_OK)
    return CS_ERR_NOMEM;
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

/* ---- the temporary-case reports ----------------------------------------------------------- */

/* A report of rows (stolen): CSV named after name when Accept prefers it, else JSON. */
static void answer_rows(struct request_ctx *ctx, json_t *report, const char *name) {
  char disposition[128];
  size_t len = 0;
  u_map_put(ctx->resp->map_header, "Cache-Control", "no-store");
  u_map_put(ctx->resp->map_header, "Vary", "Accept");
  if (!wants_csv(http_header(ctx->req, "Accept"))) {
    http_json(ctx->resp, 200, report);
    return;
  }
  snprintf(disposition, sizeof(disposition), "attachment; filename=\"%s.csv\"", name);
  char *csv = cases_temporary_report_csv(json_object_get(report, "rows"), &len);
  json_decref(report);
  if (answer_csv_text(ctx, csv, len, disposition) != CS_OK)
    http_problem(ctx->resp, PROBLEM_INTERNAL, "out of memory");
}

/* With ?period= the rows computed now; without, the page of the stored reports. */
static void callback_cases_report_temporary_cases_get(struct request_ctx *ctx) {
  struct cases_caller caller;
  struct cases_temporary_report_query q;
  struct cs_refusal err = {0};
  json_t *out = NULL;
  PGconn *conn = NULL;

  memset(&q, 0, sizeof(q));
  if (cases_http_caller(ctx, &caller) != CS_OK) return;
  if (cases_report_allowed(&caller, &err) != CS_OK ||
      cases_temporary_report_query_parse(ctx->req->map_url, &q, &err) != CS_OK) {
    service_refusal_answer(ctx, &err);
    goto done;
  }
  if (service_db_acquire(ctx, &conn) != CS_OK) goto done;
  int rc = q.period[0] ? cases_temporary_report_compute(conn, &caller, &q, &out, &err)
                       : cases_temporary_report_list(conn, &caller, &q, &out, &err);
  service_db_release(ctx, conn);
  if (rc != CS_OK)
    service_refusal_answer(ctx, &err);
  else if (q.period[0])
    answer_rows(ctx, out, "temporary-cases");
  else
    http_json(ctx->resp, 200, out);
done:
  cases_temporary_report_query_clear(&q);
  cs_refusal_clear(&err);
  cases_caller_clear(&caller);
}

static void callback_cases_report_temporary_case_get(struct request_ctx *ctx) {
  struct cases_caller caller;
  struct cs_refusal err = {0};
  json_t *out = NULL;
  PGconn *conn = NULL;
  char name[64];

  if (cases_http_caller(ctx, &caller) != CS_OK) return;
  if (cases_report_allowed(&caller, &err) != CS_OK) {
    service_refusal_answer(ctx, &err);
    goto done;
  }
  if (service_db_acquire(ctx, &conn) != CS_OK) goto done;
  int rc = cases_temporary_report_get(conn, &caller, u_map_get(ctx->req->map_url, "report_id"),
                                      &out, &err);
  service_db_release(ctx, conn);
  if (rc != CS_OK) {
    service_refusal_answer(ctx, &err);
    goto done;
  }
  snprintf(name, sizeof(name), "temporary-cases-%s-%s",
           json_string_value(json_object_get(out, "period")),
           json_string_value(json_object_get(out, "period_start")));
  answer_rows(ctx, out, name);
done:
  cs_refusal_clear(&err);
  cases_caller_clear(&caller);
}

void cases_report_routes(struct service *svc) {
  static const struct service_route_def routes[] = {
      {"GET", "/v1/reports/case-statistics", callback_cases_report_case_statistics_get,
       ROUTE_AUTHENTICATED},
      {"GET", "/v1/reports/temporary-cases", callback_cases_report_temporary_cases_get,
       ROUTE_AUTHENTICATED},
      {"GET", "/v1/reports/temporary-cases/:report_id", callback_cases_report_temporary_case_get,
       ROUTE_AUTHENTICATED},
  };
  service_routes(svc, routes, SERVICE_ROUTES_COUNT(routes), "the reports");
}

/* ---- the schedule: the service's start and stop hooks (they take no argument) ------------- */

static long schedule_check_s;

static int schedule_start(struct service *svc) {
  return cases_report_schedule_start(svc->pool, schedule_check_s);
}

static int schedule_stop(struct service *svc) {
  (void)svc;
  cases_report_schedule_stop();
  return CS_OK;
}

void cases_temporary_report_schedule(struct service *svc, long check_s) {
  schedule_check_s = check_s;
  service_on_start(svc, schedule_start);
  service_on_stop(svc, schedule_stop);
}
