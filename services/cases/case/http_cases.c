/* HTTP of the case resource: POST /v1/cases, GET/PATCH /v1/cases/{id}, GET/PUT
 * /v1/cases/by-external-ref/{ref}, POST /v1/cases/{id}/close|reopen|hold and
 * GET /v1/cases/{id}/history. Decoding and answers only; rules in cases.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "db.h"
#include "http.h"
#include "http_case_op.h"
#include "http_write.h"
#include "paging.h"
#include "service.h"
#include "status.h"
#include "store_cases.h"
#include "store_core.h"

/* The top-level fields of a create (or upsert) body, and of a PATCH (all optional); the
 * nested members are checked by the domain (cases_case_check). */
static const struct http_field create_fields[] = {
    {"claim_number", HTTP_FIELD_STRING, 1, 100},   {"damage_type", HTTP_FIELD_STRING, 1, 40},
    {"damage_date", HTTP_FIELD_DATE, 1, 0},        {"address", HTTP_FIELD_OBJECT, 1, 0},
    {"case_handler_id", HTTP_FIELD_UUID, 0, 0},    {"contacts", HTTP_FIELD_ARRAY, 0, 0},
    {"description", HTTP_FIELD_STRING, 0, 10000},  {"external_ref", HTTP_FIELD_STRING, 0, 200},
    {"reminder_date", HTTP_FIELD_DATE, 0, 0},
};
#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

static const struct http_field patch_fields[] = {
    {"claim_number", HTTP_FIELD_STRING, 0, 100},   {"damage_type", HTTP_FIELD_STRING, 0, 40},
    {"damage_date", HTTP_FIELD_DATE, 0, 0},        {"address", HTTP_FIELD_OBJECT, 0, 0},
    {"case_handler_id", HTTP_FIELD_UUID, 0, 0},    {"contacts", HTTP_FIELD_ARRAY, 0, 0},
    {"description", HTTP_FIELD_STRING, 0, 10000},  {"external_ref", HTTP_FIELD_STRING, 0, 200},
    {"reminder_date", HTTP_FIELD_DATE, 0, 0},
};

/* ---- creates: POST /v1/cases and PUT by external reference ------------------------------ */

/* A create or an upsert by reference, run by the common write runner. */
struct upsert {
  struct cases_op op;
  const char *ref; /* PUT: the external reference; NULL for POST */
  int exists;      /* PUT: read found the case (a change, not a create) */
};

static int refused(struct write_call *w, struct cases_op *op) {
  w->err = op->err;
  memset(&op->err, 0, sizeof(op->err));
  return CS_REFUSED;
}

/* PUT: the case with the reference as it is (locked in the transaction); version 0 when
 * there is none yet (a case's versions start at 1), so a create racing ours is seen. */
static int find_by_ref(PGconn *conn, struct write_call *w, int lock, long long *version) {
  struct upsert *u = w->op;
  json_decref(u->op.current);
  u->op.current = NULL;
  if (cases_store_find_external(conn, u->op.caller->portal_id, u->ref, lock, &u->op.current,
                                u->op.err.sqlstate) != CS_OK) {
    cs_refusal_db(&u->op.err);
    return refused(w, &u->op);
  }
  u->exists = u->op.current != NULL;
  u->op.case_id = json_string_value(json_object_get(u->op.current, "id"));
  *version = json_integer_value(json_object_get(u->op.current, "version"));
  return CS_OK;
}

static int hook_read_ref(PGconn *conn, struct write_call *w, long long *version) {
  struct upsert *u = w->op;
  json_decref(u->op.facts); /* a new run: what an earlier check asked may be out of date */
  u->op.facts = NULL;
  return find_by_ref(conn, w, 0, version);
}

static int hook_lock_ref(PGconn *conn, struct write_call *w, long long *version) {
  return find_by_ref(conn, w, 1, version);
}

/* The create, or the PATCH of the case found, in one phase (case_op.h). */
static int upsert_run(PGconn *conn, struct write_call *w, enum cases_op_phase phase) {
  struct upsert *u = w->op;
  u->op.phase = phase;
  u->op.changed = 0;
  if (!u->exists) return cases_case_create(conn, &u->op) == CS_OK ? CS_OK : refused(w, &u->op);
  if (cases_case_patch(conn, &u->op) != CS_OK ||
      (phase == CASES_OP_APPLY && cases_op_finish(conn, &u->op) != CS_OK))
    return refused(w, &u->op);
  return CS_OK;
}

static int hook_check(PGconn *conn, struct write_call *w) {
  return upsert_run(conn, w, CASES_OP_CHECK);
}

static int hook_apply(PGconn *conn, struct write_call *w) {
  struct upsert *u = w->op;
  if (upsert_run(conn, w, CASES_OP_APPLY) != CS_OK) return CS_REFUSED;
  w->result = u->op.result;
  u->op.result = NULL;
  if (!u->exists) {
    w->status = 201;
    snprintf(w->location, sizeof(w->location), "/v1/cases/%s", u->op.new_id);
  }
  return CS_OK;
}

/* Runs the create or upsert u for the caller with body. */
static void upsert_write(struct request_ctx *ctx, struct upsert *u, json_t *body) {
  static const struct write_hooks create = {.check = hook_check, .apply = hook_apply};
  static const struct write_hooks by_ref = {
      .read = hook_read_ref, .check = hook_check, .lock = hook_lock_ref, .apply = hook_apply};
  struct write_call w = {.op = u, .caller = u->op.caller, .body = body};
  PGconn *conn = NULL;
  char scope[128];

  u->op.body = body;
  cases_idem_scope(u->op.caller, scope);
  /* POST takes an Idempotency-Key; PUT is idempotent by its reference */
  const struct http_write_spec spec = {.ok_status = u->ref != NULL ? 200 : 201,
                                       .idem_scope = u->ref != NULL ? NULL : scope,
                                       .idem_path = "/v1/cases"};
  if (service_db_acquire(ctx, &conn) != CS_OK) return;
  http_write_run(ctx, conn, &spec, u->ref != NULL ? &by_ref : &create, &w);
  service_db_release(ctx, conn);
  cs_refusal_clear(&w.err);
  json_decref(w.result);
}

static void callback_cases_case_post(struct request_ctx *ctx) {
  struct cases_caller caller;
  struct upsert u = {0};
  json_t *body = NULL;

  if (cases_http_caller(ctx, &caller) != CS_OK) return;
  u.op.caller = &caller;
  if (http_parse_json_object(ctx->req, ctx->resp, &body) == CS_OK &&
      http_validate(body, create_fields, NFIELDS(create_fields), ctx->resp) == CS_OK)
    upsert_write(ctx, &u, body);
  cases_op_clear(&u.op);
  json_decref(body);
  cases_caller_clear(&caller);
}

/* The reference of the path: 1..200 bytes, else a 404 has been answered. */
static const char *path_ref(struct request_ctx *ctx) {
  const char *ref = u_map_get(ctx->req->map_url, "ref");
  if (ref != NULL && ref[0] != '\0' && strlen(ref) <= 200) return ref;
  http_problem_full(ctx->resp, PROBLEM_NOT_FOUND, "no such case", NULL, NULL);
  return NULL;
}

/* GET a case by its id (by_ref 0) or by its external reference: 200 with the document, or
 * 404 when there is none the caller sees. */
static void get_case(struct request_ctx *ctx, int by_ref) {
  struct cases_caller caller;
  struct cs_refusal err = {0};
  PGconn *conn = NULL;
  json_t *doc = NULL;
  const char *id = NULL, *ref = NULL;
  if (cases_http_caller(ctx, &caller) != CS_OK) return;
  if (by_ref ? (ref = path_ref(ctx)) == NULL
             : (id = http_path_uuid(ctx->req, ctx->resp, "id", "case")) == NULL)
    goto done;
  if (service_db_acquire(ctx, &conn) != CS_OK) goto done;
  if (cases_case_read(conn, &caller, id, ref, &doc, &err) != CS_OK)
    service_refusal_answer(ctx, &err);
  else
    http_json_resource(ctx->resp, 200, doc);
done:
  if (conn != NULL) service_db_release(ctx, conn);
  cs_refusal_clear(&err);
  cases_caller_clear(&caller);
}

static void callback_cases_case_get(struct request_ctx *ctx) { get_case(ctx, 0); }

static void callback_cases_case_patch(struct request_ctx *ctx) {
  cases_http_case_op(ctx, patch_fields, NFIELDS(patch_fields),
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

static void callback_cases_case_get_by_ref(struct request_ctx *ctx) { get_case(ctx, 1); }

/* PUT: creates the case with this external_ref (201), or applies the body to it (200; fields
 * not sent are kept, so a core system resending the same claim changes nothing). */
static void callback_cases_case_put_by_ref(struct request_ctx *ctx) {
  struct cases_caller caller;
  struct upsert u = {0};
  json_t *body = NULL;

  if (cases_http_caller(ctx, &caller) != CS_OK) return;
  u.op.caller = &caller;
  if ((u.ref = path_ref(ctx)) == NULL) goto done;
  if (http_parse_json_object(ctx->req, ctx->resp, &body) != CS_OK ||
      http_validate(body, create_fields, NFIELDS(create_fields), ctx->resp) != CS_OK)
    goto done;
  const char *given = json_string_value(json_object_get(body, "external_ref"));
  if (given != NULL && strcmp(given, u.ref) != 0) {
    http_problem_full(ctx->resp, PROBLEM_VALIDATION, "external_ref differs from the path",
                      json_pack("[o]", problem_field_error("external_ref", FIELD_INVALID,
                                                        "must equal the reference in the path "
                                                        "(or be left out)")), NULL);
    goto done;
  }
  json_object_set_new(body, "external_ref", json_string(u.ref));
  upsert_write(ctx, &u, body);
done:
  cases_op_clear(&u.op);
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
