/* Routes of the reported information of tasks: POST /v1/cases/{id}/tasks/{task_id}/reports
 * (multipart/form-data: text and up to ten files in the field files, streamed to the blob store
 * while they arrive), GET the task's reports and the case's, GET one report's file. The form and
 * the bytes here; rules in task_reports.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases_routes.h"
#include "http.h"
#include "http_blob.h"
#include "http_case_op.h"
#include "http_upload.h"
#include "service.h"
#include "status.h"
#include "store_task_reports.h"
#include "task_reports.h"

static void report_rules(const struct _u_map *form, size_t nfiles, struct cs_refusal *err) {
  cases_task_report_rules(u_map_get(form, "text"), nfiles, err);
}

static int report_add(struct request_ctx *ctx, PGconn *conn, const struct cases_caller *c,
                      const char *case_id, const struct http_upload *u, json_t **doc,
                      struct cs_refusal *err) {
  struct cases_report_file files[CASES_REPORT_MAX_FILES];
  size_t n = u != NULL ? u->nfiles : 0;
  const char *task_id = http_path_uuid(ctx->req, ctx->resp, "task_id", "task");
  if (task_id == NULL) /* the route's pattern holds a value: anything else is no task of it */
    return cs_refuse(err, PROBLEM_NOT_FOUND, "no such task in this case");
  for (size_t i = 0; i < n; i++)
    files[i] = (struct cases_report_file){u->files[i].name, u->files[i].type, u->files[i].sha256,
                                          u->files[i].size};
  return cases_task_report_add(conn, c, case_id, task_id,
                               u_map_get(ctx->req->map_post_body, "text"), files, n, doc, err);
}

static void callback_report_post(struct request_ctx *ctx) {
  static const struct cases_form_route form = {
      "reports", "files", "(text, files)", 0, CASES_REPORT_MAX_FILES, report_rules, report_add};
  cases_http_form_post(ctx, &form);
}

/* GET the case's reports, or the task's (the route's arg says which). */
static void callback_reports_list(struct request_ctx *ctx) {
  struct cases_caller caller;
  PGconn *conn = NULL;
  const char *case_id, *task_id = NULL;
  json_t *items = NULL;
  char sqlstate[6] = "";
  int found = 1;
  if (cases_http_visible_case(ctx, &caller, &conn, &case_id) != CS_OK) return;
  if (ctx->route_arg != NULL &&
      ((task_id = http_path_uuid(ctx->req, ctx->resp, "task_id", "task")) == NULL ||
       cases_store_task_of_case(conn, case_id, task_id, &found, sqlstate) != CS_OK))
    goto done;
  if (!found)
    http_problem(ctx->resp, PROBLEM_NOT_FOUND, "no such task in this case");
  else if (cases_store_task_reports(conn, case_id, task_id, &items, sqlstate) == CS_OK)
    /* a case's reports are few: one page, in the shape of every list */
    http_json(ctx->resp, 200, json_pack("{s:o, s:n}", "items", items, "next_cursor"));
done:
  if (sqlstate[0] != '\0') service_db_problem(ctx, sqlstate); /* a statement failed */
  service_db_release(ctx, conn);
  cases_caller_clear(&caller);
}

/* The report of the path (cases_http_item). */
static const struct cases_op_item report = {"report_id", "report", cases_store_task_report};

static void callback_report_get(struct request_ctx *ctx) {
  struct cases_caller caller;
  json_t *doc;
  if (cases_http_item(ctx, &report, &caller, &doc) != CS_OK) return;
  http_json_resource(ctx->resp, 200, doc);
  cases_caller_clear(&caller);
}

/* GET /v1/cases/{id}/reports/{report_id}/files/{n}: the report's n-th file (from 0). */
static void callback_report_file(struct request_ctx *ctx) {
  struct cases_caller caller;
  const char *index = u_map_get(ctx->req->map_url, "n");
  json_t *doc;
  char *end;
  if (cases_http_item(ctx, &report, &caller, &doc) != CS_OK) return;
  long i = index != NULL ? strtol(index, &end, 10) : -1;
  const json_t *f = json_array_get(json_object_get(doc, "files"),
                                   index != NULL && *end == '\0' && i >= 0 ? (size_t)i : 999999);
  if (f == NULL)
    http_problem(ctx->resp, PROBLEM_NOT_FOUND, "no such file in this report");
  else
    cases_http_blob(ctx, json_string_value(json_object_get(f, "sha256")),
                    json_string_value(json_object_get(f, "media_type")),
                    json_string_value(json_object_get(f, "file_name")));
  json_decref(doc);
  cases_caller_clear(&caller);
}

void cases_task_report_routes(struct service *svc) {
  static const int of_task = 1;
  static const struct {
    const char *method, *pattern;
    service_handler handler;
    int flags;
    const void *arg;
  } routes[] = {
      {"POST", "/v1/cases/:id/tasks/:task_id/reports", callback_report_post,
       ROUTE_AUTHENTICATED | ROUTE_UPLOAD, NULL},
      {"GET", "/v1/cases/:id/tasks/:task_id/reports", callback_reports_list, ROUTE_AUTHENTICATED,
       &of_task},
      {"GET", "/v1/cases/:id/reports", callback_reports_list, ROUTE_AUTHENTICATED, NULL},
      {"GET", "/v1/cases/:id/reports/:report_id", callback_report_get, ROUTE_AUTHENTICATED, NULL},
      {"GET", "/v1/cases/:id/reports/:report_id/files/:n", callback_report_file,
       ROUTE_AUTHENTICATED, NULL},
  };
  for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
    const struct service_route_def r = {routes[i].method, routes[i].pattern, routes[i].handler,
                                        routes[i].flags};
    service_route_or_exit(svc, &r, routes[i].arg, "the reports of tasks");
  }
}
