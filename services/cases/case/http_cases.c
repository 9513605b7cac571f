/* HTTP of the case resource: POST /v1/cases, GET/PATCH /v1/cases/{id}, GET/PUT
 * /v1/cases/by-external-ref/{ref}, POST /v1/cases/{id}/close|reopen|hold and
 * GET /v1/cases/{id}/history. Decoding and answers only; rules in cases.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "cases_routes.h"
#include "http.h"
#include "http_case_op.h"
#include "http_write.h"
#include "paging.h"
#include "service.h"
#include "status.h"
#include "tasks.h"

/* The top-level fields of a case body: a create, an upsert or a PATCH. Which are required is
 * the domain's body rules' to say (cases_case_rules: all of a whole case; cases_case_patch_rules:
 * none, but none cleared), as are the nested members and the forms. */
static const struct http_field case_fields[] = {
    {"claim_number", HTTP_FIELD_STRING, 0, 100},
    {"damage_type", HTTP_FIELD_STRING, 0, 40},
    {"damage_date", HTTP_FIELD_DATE, 0, 0},
    {"address", HTTP_FIELD_OBJECT, 0, 0},
    {"case_handler_id", HTTP_FIELD_UUID, 0, 0},
    {"contacts", HTTP_FIELD_ARRAY, 0, 0},
    {"description", HTTP_FIELD_STRING, 0, 10000},
    {"external_ref", HTTP_FIELD_STRING, 0, 200},
    {"reminder_date", HTTP_FIELD_DATE, 0, 0},
    {"deductible", HTTP_FIELD_INTEGER, 0, 0},
    {"tasks", HTTP_FIELD_ARRAY, 0, 0}, /* POST only: the case with its tasks, at once */
};
#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- creates: POST /v1/cases and PUT by external reference ------------------------------ */

/* A create or an upsert by reference, run by the common write runner. */
struct upsert {
  struct cases_op op;
  const char *ref; /* PUT: the external reference; NULL for POST */
  int exists;      /* PUT: read found the case (a change, not a create) */
};

/* PUT: the case with the reference as it is (locked in the transaction); version 0 when
 * there is none yet (a case's versions start at 1), so a create racing ours is seen. */
static int find_by_ref(PGconn *conn, struct write_call *w, int lock, long long *version) {
  struct upsert *u = w->op;
  if (cases_case_find_by_ref(conn, &u->op, u->ref, lock) != CS_OK)
    return cases_op_refused(w, &u->op);
  u->exists = u->op.current != NULL;
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
  if (!u->exists)
    return cases_case_create(conn, &u->op) == CS_OK ? CS_OK : cases_op_refused(w, &u->op);
  if (cases_case_patch(conn, &u->op) != CS_OK ||
      (phase == CASES_OP_APPLY && cases_op_finish(conn, &u->op) != CS_OK))
    return cases_op_refused(w, &u->op);
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
  /* the check reads the replica (the case handler) on a connection of its own: ours is given back
   */
  const struct http_write_spec spec = {.ok_status = u->ref != NULL ? 200 : 201,
                                       .flags = HTTP_WRITE_CHECK_APART,
                                       .idem_scope = u->ref != NULL ? NULL : scope,
                                       .idem_path = "/v1/cases"};
  if (service_db_acquire(ctx, &conn) != CS_OK) return;
  http_write_run(ctx, &conn, &spec, u->ref != NULL ? &by_ref : &create, &w);
  if (conn != NULL) service_db_release(ctx, conn);
  cs_refusal_clear(&w.err);
  json_decref(w.result);
}

/* The reference of the path: 1..200 bytes, else a 404 has been answered. */
static const char *path_ref(struct request_ctx *ctx) {
  const char *ref = u_map_get(ctx->req->map_url, "ref");
  if (ref != NULL && ref[0] != '\0' && strlen(ref) <= 200) return ref;
  http_problem(ctx->resp, PROBLEM_NOT_FOUND, "no such case");
  return NULL;
}

/* POST /v1/cases (by_ref 0), or PUT by reference: creates the case with this external_ref
 * (201), or applies the body to it (200; fields not sent are kept, so a core system resending
 * the same claim changes nothing). The body is checked whole: every invalid field at once. */
static void upsert_request(struct request_ctx *ctx, int by_ref) {
  struct cases_caller caller;
  struct upsert u = {0};
  struct cs_refusal bad = {0};
  json_t *body = NULL;

  if (cases_http_caller(ctx, &caller) != CS_OK) return;
  u.op.caller = &caller;
  if ((by_ref && (u.ref = path_ref(ctx)) == NULL) ||
      http_parse_json_object(ctx->req, ctx->resp, &body) != CS_OK)
    goto done;
  const char *given = json_string_value(json_object_get(body, "external_ref"));
  if (by_ref && given != NULL && strcmp(given, u.ref) != 0)
    cs_refusal_field(&bad, "external_ref", FIELD_INVALID,
                     "must equal the reference in the path (or be left out)");
  const json_t *tasks = json_object_get(body, "tasks");
  if (by_ref && tasks != NULL)
    cs_refusal_field(&bad, "tasks", FIELD_NOT_ALLOWED,
                     "are given only when creating with POST /v1/cases; add tasks to an existing "
                     "case with POST /v1/cases/{id}/tasks");
  else if (json_is_array(tasks))
    cases_task_plans_rules(tasks, &bad);
  if (cases_http_body_check(ctx, body, case_fields, NFIELDS(case_fields), cases_case_rules, &bad) !=
      CS_OK)
    goto done;
  if (by_ref) json_object_set_new(body, "external_ref", json_string(u.ref));
  upsert_write(ctx, &u, body);
done:
  cs_refusal_clear(&bad);
  cases_op_clear(&u.op);
  json_decref(body);
  cases_caller_clear(&caller);
}

static void callback_cases_case_post(struct request_ctx *ctx) { upsert_request(ctx, 0); }

/* GET a case by its id (by_ref 0) or by its external reference: 200 with the document, or
 * 404 when there is none the caller sees. */
static void get_case(struct request_ctx *ctx, int by_ref) {
  struct cases_caller caller;
  struct cs_refusal err = {0};
  PGconn *conn = NULL;
  json_t *doc = NULL;
  char *text = NULL, version[24], etag[32];
  const char *id = NULL, *ref = NULL;
  if (cases_http_caller(ctx, &caller) != CS_OK) return;
  if (by_ref ? (ref = path_ref(ctx)) == NULL
             : (id = http_path_uuid(ctx->req, ctx->resp, "id", "case")) == NULL)
    goto done;
  if (service_db_acquire(ctx, &conn) != CS_OK) goto done;
  if (by_ref) {
    if (cases_case_read(conn, &caller, id, ref, &doc, &err) != CS_OK)
      service_refusal_answer(ctx, &err);
    else
      http_json_resource(ctx->resp, 200, doc);
  } else if (cases_case_read_text(conn, &caller, id, &text, version, &err) != CS_OK) {
    service_refusal_answer(ctx, &err);
  } else { /* the document as PostgreSQL wrote it: the hottest read parses nothing */
    http_etag_format(etag, sizeof(etag), version);
    u_map_put(ctx->resp->map_header, "ETag", etag);
    http_json_text(ctx->resp, 200, text);
  }
done:
  free(text);
  if (conn != NULL) service_db_release(ctx, conn);
  cs_refusal_clear(&err);
  cases_caller_clear(&caller);
}

static void callback_cases_case_get(struct request_ctx *ctx) { get_case(ctx, 0); }

/* ---- changes of one case: one table, one callback --------------------------------------- */

static const struct cases_op_route changes[] = {
    {"PATCH", "/v1/cases/:id", case_fields, NFIELDS(case_fields), cases_case_patch_rules,
     CASES_OP_BODY | CASES_OP_REQUIRE_IF_MATCH, cases_case_patch, 200, NULL},
    {"POST", "/v1/cases/:id/close", NULL, 0, NULL, CASES_OP_IF_MATCH, cases_case_close, 200, NULL},
    {"POST", "/v1/cases/:id/reopen", NULL, 0, NULL, CASES_OP_IF_MATCH, cases_case_reopen, 200,
     NULL},
    {"POST", "/v1/cases/:id/hold", NULL, 0, NULL, CASES_OP_IF_MATCH, cases_case_hold, 200, NULL},
};

/* ---- by external reference ---------------------------------------------------------------- */

static void callback_cases_case_get_by_ref(struct request_ctx *ctx) { get_case(ctx, 1); }

static void callback_cases_case_put_by_ref(struct request_ctx *ctx) { upsert_request(ctx, 1); }

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
  long limit;
  long long after = 0;

  if (cases_http_visible_case(ctx, &caller, &conn, &id) != CS_OK) return;
  int rc = paging_parse(ctx->req->map_url, &limit, &pos, &bad);
  if (rc == CS_OK && pos != NULL) after = json_integer_value(json_object_get(pos, "after"));
  if (rc != CS_OK || cases_case_history(conn, id, after, limit + 1, &items, &bad) != CS_OK) {
    service_refusal_answer(ctx, &bad);
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
  static const struct service_route_def reads_and_upserts[] = {
      {"POST", "/v1/cases", callback_cases_case_post, ROUTE_AUTHENTICATED},
      {"GET", "/v1/cases/by-external-ref/:ref", callback_cases_case_get_by_ref,
       ROUTE_AUTHENTICATED},
      {"PUT", "/v1/cases/by-external-ref/:ref", callback_cases_case_put_by_ref,
       ROUTE_AUTHENTICATED},
      {"GET", "/v1/cases/:id", callback_cases_case_get, ROUTE_AUTHENTICATED},
      {"GET", "/v1/cases/:id/history", callback_cases_case_history, ROUTE_AUTHENTICATED},
  };
  service_routes(svc, reads_and_upserts, NFIELDS(reads_and_upserts), "the cases");
  cases_http_op_routes(svc, changes, NFIELDS(changes), "the changes of cases");
}
