/* HTTP of the case resource: POST /v1/cases, GET/PATCH /v1/cases/{id}, GET/PUT
 * /v1/cases/by-external-ref/{ref}, POST /v1/cases/{id}/close|reopen|hold and
 * GET /v1/cases/{id}/history. Decoding and answers only; rules in cases.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "db.h"
#include "http.h"
#include "paging.h"
#include "service.h"
#include "status.h"
#include "store_cases.h"

static void location_of(const json_t *doc, char location[96]) {
  snprintf(location, 96, "/v1/cases/%s", json_string_value(json_object_get(doc, "id")));
}

/* 201 with the new case (stolen) and its Location. */
static void answer_created(struct request_ctx *ctx, json_t *doc) {
  char location[96];
  location_of(doc, location);
  u_map_put(ctx->resp->map_header, "Location", location);
  http_json_resource(ctx->resp, 201, doc);
}

static void callback_cases_case_post(struct request_ctx *ctx) {
  struct cases_caller caller;
  struct cs_refusal err = {0};
  json_t *body = NULL, *doc = NULL;
  PGconn *conn = NULL;
  const char *key = NULL;
  char scope[128], location[96];

  if (cases_caller_load(ctx, &caller) != CS_OK) return;
  if (http_parse_json_object(ctx->req, ctx->resp, &body) != CS_OK ||
      http_validate(body, cases_create_fields, cases_create_nfields, ctx->resp) != CS_OK)
    goto done;
  cases_idem_scope(&caller, scope);
  if (service_db_acquire(ctx, &conn) != CS_OK) goto done;
  if (db_begin(conn) != CS_OK) {
    service_db_problem(ctx, NULL);
    goto done;
  }
  if (service_idem_begin(ctx, conn, scope, "/v1/cases", &key) != CS_OK) goto done;
  if (cases_case_create(conn, &caller, body, &doc, &err) != CS_OK) {
    service_refusal_answer(ctx, &err);
    goto done;
  }
  location_of(doc, location);
  if ((key != NULL &&
       service_idem_record(ctx, conn, scope, key, 201, doc, location) != CS_OK))
    goto done;
  if (db_commit(conn) != CS_OK) {
    service_db_problem(ctx, NULL);
    goto done;
  }
  answer_created(ctx, doc);
  doc = NULL;
done:
  if (conn != NULL) service_db_release(ctx, conn);
  cs_refusal_clear(&err);
  json_decref(doc);
  json_decref(body);
  cases_caller_clear(&caller);
}

/* 200 with doc (stolen), or 404 when it is NULL (no such case, or not visible). */
static void answer_document(struct request_ctx *ctx, json_t *doc) {
  if (doc == NULL)
    http_problem_full(ctx->resp, PROBLEM_NOT_FOUND, "no such case", NULL, NULL);
  else
    http_json_resource(ctx->resp, 200, doc);
}

static void callback_cases_case_get(struct request_ctx *ctx) {
  struct cases_caller caller;
  PGconn *conn = NULL;
  const char *id;
  json_t *doc = NULL;
  char sqlstate[6] = "";
  if (cases_caller_load(ctx, &caller) != CS_OK) return;
  if ((id = http_path_uuid(ctx->req, ctx->resp, "id", "case")) == NULL ||
      service_db_acquire(ctx, &conn) != CS_OK)
    goto done;
  if (cases_store_visible_document(conn, &caller, id, 0, &doc, sqlstate) != CS_OK)
    service_db_problem(ctx, sqlstate);
  else
    answer_document(ctx, doc);
done:
  if (conn != NULL) service_db_release(ctx, conn);
  cases_caller_clear(&caller);
}

static void callback_cases_case_patch(struct request_ctx *ctx) {
  cases_http_case_op(ctx, cases_patch_fields, cases_patch_nfields,
                     CASES_OP_BODY | CASES_OP_REQUIRE_IF_MATCH, cases_case_patch, 200);
}

static void callback_cases_case_close(struct request_ctx *ctx) {
  cases_http_case_op(ctx, NULL, 0, CASES_OP_IF_MATCH, cases_case_close, 200);
}

static void callback_cases_case_reopen(struct request_ctx *ctx) {
  cases_http_case_op(ctx, NULL, 0, CASES_OP_IF_MATCH, cases_case_reopen, 200);
}

static void callback_cases_case_hold(struct request_ctx *ctx) {
  cases_http_case_op(ctx, NULL, 0, CASES_OP_IF_MATCH, cases_case_hold, 200);
}

/* ---- by external reference ---------------------------------------------------------------- */

/* The reference of the path: 1..200 bytes, else a 404 has been answered. */
static const char *path_ref(struct request_ctx *ctx) {
  const char *ref = u_map_get(ctx->req->map_url, "ref");
  if (ref != NULL && ref[0] != '\0' && strlen(ref) <= 200) return ref;
  http_problem_full(ctx->resp, PROBLEM_NOT_FOUND, "no such case", NULL, NULL);
  return NULL;
}

static void callback_cases_case_get_by_ref(struct request_ctx *ctx) {
  struct cases_caller caller;
  PGconn *conn = NULL;
  json_t *doc = NULL;
  char sqlstate[6] = "";
  const char *ref;
  if (cases_caller_load(ctx, &caller) != CS_OK) return;
  if ((ref = path_ref(ctx)) == NULL) goto done;
  if (!cases_caller_is_internal(&caller)) { /* partners know cases by id, not by core reference */
    http_problem_full(ctx->resp, PROBLEM_NOT_FOUND, "no such case", NULL, NULL);
    goto done;
  }
  if (service_db_acquire(ctx, &conn) != CS_OK) goto done;
  if (cases_store_find_external(conn, caller.portal_id, ref, 0, &doc, sqlstate) != CS_OK)
    service_db_problem(ctx, sqlstate);
  else
    answer_document(ctx, doc);
done:
  if (conn != NULL) service_db_release(ctx, conn);
  cases_caller_clear(&caller);
}

/* PUT: creates the case with this external_ref (201), or applies the body to it (200; fields
 * not sent are kept, so a core system resending the same claim changes nothing). */
static void callback_cases_case_put_by_ref(struct request_ctx *ctx) {
  struct cases_caller caller;
  struct cases_op op;
  json_t *body = NULL, *current = NULL;
  PGconn *conn = NULL;
  const char *ref;

  memset(&op, 0, sizeof(op));
  if (cases_caller_load(ctx, &caller) != CS_OK) return;
  if ((ref = path_ref(ctx)) == NULL) goto done;
  if (http_parse_json_object(ctx->req, ctx->resp, &body) != CS_OK ||
      http_validate(body, cases_create_fields, cases_create_nfields, ctx->resp) != CS_OK)
    goto done;
  const char *given = json_string_value(json_object_get(body, "external_ref"));
  if (given != NULL && strcmp(given, ref) != 0) {
    http_problem_full(ctx->resp, PROBLEM_VALIDATION, "external_ref differs from the path",
                      json_pack("[{s:s, s:s}]", "field", "external_ref", "message",
                                "must equal the reference in the path (or be left out)"), NULL);
    goto done;
  }
  json_object_set_new(body, "external_ref", json_string(ref));
  if (service_db_acquire(ctx, &conn) != CS_OK) goto done;
  if (db_begin(conn) != CS_OK ||
      cases_store_find_external(conn, caller.portal_id, ref, 1, &current, op.err.sqlstate) !=
          CS_OK) {
    service_db_problem(ctx, op.err.sqlstate);
    goto done;
  }
  if (current == NULL) {
    if (cases_case_create(conn, &caller, body, &op.result, &op.err) != CS_OK) goto refused;
  } else {
    op = (struct cases_op){.ctx = ctx, .caller = &caller, .body = body, .current = current,
                           .case_id = json_string_value(json_object_get(current, "id"))};
    if (cases_case_patch(conn, &op) != CS_OK || cases_op_finish(conn, &op) != CS_OK)
      goto refused;
  }
  if (db_commit(conn) != CS_OK) {
    service_db_problem(ctx, NULL);
    goto done;
  }
  if (current == NULL)
    answer_created(ctx, op.result);
  else
    http_json_resource(ctx->resp, 200, op.result);
  op.result = NULL;
  goto done;
refused:
  service_refusal_answer(ctx, &op.err);
done:
  if (conn != NULL) service_db_release(ctx, conn);
  cs_refusal_clear(&op.err);
  json_decref(op.result);
  json_decref(current);
  json_decref(body);
  cases_caller_clear(&caller);
}

/* ---- history ------------------------------------------------------------------------------ */

/* The position after a history entry: its id. */
static json_t *history_position(const json_t *last, const void *arg) {
  (void)arg;
  return json_pack("{s:O}", "after", json_object_get(last, "id"));
}

static void callback_cases_case_history(struct request_ctx *ctx) {
  struct cases_caller caller;
  struct cs_refusal bad = {0};
  PGconn *conn = NULL;
  json_t *items = NULL, *pos = NULL;
  const char *id;
  char sqlstate[6] = "";
  long limit;
  long long after = 0;

  if (cases_http_visible_case(ctx, &caller, &conn, &id) != CS_OK) return;
  if (paging_parse(ctx->req->map_url, &limit, &pos, &bad) != CS_OK) {
    service_refusal_answer(ctx, &bad);
    goto done;
  }
  if (pos != NULL) after = json_integer_value(json_object_get(pos, "after"));
  if (cases_store_history(conn, id, after, limit + 1, &items, sqlstate) != CS_OK) {
    service_db_problem(ctx, sqlstate);
    goto done;
  }
  http_json(ctx->resp, 200, paging_page(items, limit, history_position, NULL));
  items = NULL;
done:
  service_db_release(ctx, conn);
  cs_refusal_clear(&bad);
  json_decref(items);
  json_decref(pos);
  cases_caller_clear(&caller);
}

void cases_case_routes(struct service *svc) {
  service_route(svc, "POST", "/v1/cases", callback_cases_case_post, ROUTE_AUTHENTICATED);
  service_route(svc, "GET", "/v1/cases/by-external-ref/:ref", callback_cases_case_get_by_ref,
                ROUTE_AUTHENTICATED);
  service_route(svc, "PUT", "/v1/cases/by-external-ref/:ref", callback_cases_case_put_by_ref,
                ROUTE_AUTHENTICATED);
  service_route(svc, "GET", "/v1/cases/:id", callback_cases_case_get, ROUTE_AUTHENTICATED);
  service_route(svc, "PATCH", "/v1/cases/:id", callback_cases_case_patch, ROUTE_AUTHENTICATED);
  service_route(svc, "POST", "/v1/cases/:id/close", callback_cases_case_close, ROUTE_AUTHENTICATED);
  service_route(svc, "POST", "/v1/cases/:id/reopen", callback_cases_case_reopen,
                ROUTE_AUTHENTICATED);
  service_route(svc, "POST", "/v1/cases/:id/hold", callback_cases_case_hold, ROUTE_AUTHENTICATED);
  service_route(svc, "GET", "/v1/cases/:id/history", callback_cases_case_history,
                ROUTE_AUTHENTICATED);
}
