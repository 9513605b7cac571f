/* Routes of temporary cases: POST /v1/temporary-cases (a partner opens one; the common write
 * runner with an Idempotency-Key), POST /v1/cases/{id}/convert and /connect (the insurer; changes
 * of the case's row, cases_http_case_op). Rules in temporary.c. */
#include <stdio.h>
#include <string.h>

#include "cases_routes.h"
#include "fields.h"
#include "http.h"
#include "http_case_op.h"
#include "http_write.h"
#include "service.h"
#include "status.h"
#include "temporary.h"

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

static const struct http_field create_fields[] = {
    {"claim_number", HTTP_FIELD_STRING, 0, 100}, {"damage_type", HTTP_FIELD_STRING, 1, 40},
    {"damage_date", HTTP_FIELD_DATE, 1, 0},      {"address", HTTP_FIELD_OBJECT, 1, 0},
    {"contacts", HTTP_FIELD_ARRAY, 0, 0},        {"description", HTTP_FIELD_STRING, 0, 10000},
    {"office_id", HTTP_FIELD_UUID, 0, 0},        {"tasks", HTTP_FIELD_ARRAY, 0, 0},
};
static const struct http_field convert_fields[] = {
    {"claim_number", HTTP_FIELD_STRING, 1, 100},
    {"case_handler_id", HTTP_FIELD_UUID, 1, 0},
};
static const struct http_field connect_fields[] = {{"target_case_id", HTTP_FIELD_UUID, 1, 0}};

static const struct cases_op_route changes[] = {
    {"POST", "/v1/cases/:id/convert", convert_fields, NFIELDS(convert_fields),
     cases_temporary_convert_rules, CASES_OP_BODY | CASES_OP_IF_MATCH, cases_temporary_convert, 200,
     NULL},
    {"POST", "/v1/cases/:id/connect", connect_fields, NFIELDS(connect_fields), NULL,
     CASES_OP_BODY | CASES_OP_IF_MATCH, cases_temporary_connect, 200, NULL},
};

/* ---- the create, on the write runner --------------------------------------------------------- */

static int run(PGconn *conn, struct write_call *w, enum cases_op_phase phase) {
  struct cases_op *op = w->op;
  op->phase = phase;
  op->changed = 0;
  return cases_temporary_create(conn, op) == CS_OK ? CS_OK : cases_op_refused(w, op);
}

static int hook_check(PGconn *conn, struct write_call *w) { return run(conn, w, CASES_OP_CHECK); }

static int hook_apply(PGconn *conn, struct write_call *w) {
  struct cases_op *op = w->op;
  if (run(conn, w, CASES_OP_APPLY) != CS_OK) return CS_REFUSED;
  w->result = op->result;
  op->result = NULL;
  memcpy(w->location, op->location, sizeof(op->location));
  return CS_OK;
}

static void callback_temporary_post(struct request_ctx *ctx) {
  static const struct write_hooks hooks = {.check = hook_check, .apply = hook_apply};
  struct cases_caller caller;
  struct cs_refusal err = {0};
  json_t *body = NULL;
  PGconn *conn = NULL;
  char scope[128];
  if (cases_http_caller(ctx, &caller) != CS_OK) return;
  if (http_parse_json_object(ctx->req, ctx->resp, &body) != CS_OK ||
      cases_http_body_check(ctx, body, create_fields, NFIELDS(create_fields), cases_temporary_rules,
                            &err) != CS_OK)
    goto done;
  struct cases_op op = {.caller = &caller, .body = body};
  struct write_call w = {.op = &op, .caller = &caller, .body = body};
  cases_idem_scope(&caller, scope);
  /* the check reads the replica (the offices) on a connection of its own */
  const struct http_write_spec spec = {.ok_status = 201,
                                       .flags = HTTP_WRITE_CHECK_APART,
                                       .idem_scope = scope,
                                       .idem_path = "/v1/temporary-cases"};
  if (service_db_acquire(ctx, &conn) == CS_OK) {
    http_write_run(ctx, &conn, &spec, &hooks, &w);
    if (conn != NULL) service_db_release(ctx, conn);
  }
  cs_refusal_clear(&w.err);
  json_decref(w.result);
  cases_op_clear(&op);
done:
  cs_refusal_clear(&err);
  json_decref(body);
  cases_caller_clear(&caller);
}

void cases_temporary_routes(struct service *svc) {
  cases_http_op_routes(svc, changes, NFIELDS(changes), "temporary cases");
  static const struct service_route_def routes[] = {
      {"POST", "/v1/temporary-cases", callback_temporary_post, ROUTE_AUTHENTICATED},
  };
  service_routes(svc, routes, SERVICE_ROUTES_COUNT(routes), "temporary cases");
}
