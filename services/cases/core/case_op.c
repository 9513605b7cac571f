/* The runner of case changes and the helpers a change uses: history, events, authority.
 * No resource-specific rules here (see cases_internal.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "cases_internal.h"
#include "db.h"
#include "db_json.h"
#include "http.h"
#include "service.h"
#include "status.h"

int cases_store_document(PGconn *conn, const char *id, json_t **out, char sqlstate[6]) {
  const char *params[] = {id};
  return db_json_row(conn, "SELECT case_document(c) FROM cases c WHERE c.id = $1::uuid", 1,
                     params, out, sqlstate);
}

int cases_store_visible_document(PGconn *conn, const struct cases_caller *c, const char *id,
                                 int lock, json_t **out, char sqlstate[6]) {
  const char *params[] = {c->portal_id, cases_caller_scope(c), id};
  return db_json_row(conn,
                     lock ? "SELECT case_document(c) FROM cases c WHERE c.id = $3::uuid AND "
                            CASES_VISIBLE_SQL " FOR UPDATE OF c"
                          : "SELECT case_document(c) FROM cases c WHERE c.id = $3::uuid AND "
                            CASES_VISIBLE_SQL,
                     3, params, out, sqlstate);
}

/* 1 in *visible when the caller sees case id (cheaper than building its document). */
static int case_visible(PGconn *conn, const struct cases_caller *c, const char *id, int *visible,
                        char sqlstate[6]) {
  const char *params[] = {c->portal_id, cases_caller_scope(c), id};
  PGresult *res = NULL;
  *visible = 0;
  int rc = db_exec(conn, "SELECT 1 FROM cases c WHERE c.id = $3::uuid AND " CASES_VISIBLE_SQL, 3,
                   params, &res, sqlstate);
  if (rc != CS_OK) return rc;
  *visible = PQntuples(res) == 1;
  PQclear(res);
  return CS_OK;
}

int cases_http_visible_case(struct request_ctx *ctx, struct cases_caller *c, PGconn **conn,
                            const char **case_id) {
  char sqlstate[6] = "";
  int visible = 0;
  *conn = NULL;
  if (cases_caller_load(ctx, c) != CS_OK) return CS_ERR_INVALID;
  if ((*case_id = http_path_uuid(ctx->req, ctx->resp, "id", "case")) == NULL) goto refused;
  if (service_db_acquire(ctx, conn) != CS_OK) goto refused;
  if (case_visible(*conn, c, *case_id, &visible, sqlstate) != CS_OK) {
    service_db_problem(ctx, sqlstate);
    goto refused;
  }
  if (!visible) {
    http_problem_full(ctx->resp, PROBLEM_NOT_FOUND, "no such case", NULL, NULL);
    goto refused;
  }
  return CS_OK;
refused:
  if (*conn != NULL) service_db_release(ctx, *conn);
  *conn = NULL;
  cases_caller_clear(c);
  return CS_ERR_INVALID;
}

/* ---- helpers of a change ----------------------------------------------------------------- */

int cases_history_add(PGconn *conn, struct cases_op *op, const char *action, const char *task_id,
                      const json_t *before, const json_t *after) {
  char *b = before != NULL ? json_dumps(before, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
  char *a = after != NULL ? json_dumps(after, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
  const char *portal = json_string_value(json_object_get(op->current, "portal_id"));
  const char *params[] = {op->case_id, portal, op->caller->sub,
                          op->caller->is_client ? "client" : "user", op->caller->company_id,
                          action, task_id, b, a};
  int rc = db_exec(conn,
                   "INSERT INTO case_history (case_id, portal_id, actor_id, actor_kind, "
                   "company_id, action, task_id, before, after) VALUES ($1, $2, $3, $4, $5, $6, "
                   "$7, $8::jsonb, $9::jsonb)",
                   9, params, NULL, op->err.sqlstate);
  free(b);
  free(a);
  if (rc != CS_OK) return cs_refusal_db(&op->err);
  op->changed = 1;
  return CS_OK;
}

int cases_event(PGconn *conn, struct cases_op *op, const char *type, json_t *data) {
  const char *portal = json_string_value(json_object_get(op->current, "portal_id"));
  if (data == NULL) return cs_refuse(&op->err, PROBLEM_INTERNAL, "out of memory");
  json_object_set_new(data, "case_id", json_string(op->case_id));
  json_object_set(data, "claim_number", json_object_get(op->current, "claim_number"));
  json_object_set_new(data, "actor",
                      json_pack("{s:s, s:s, s:s}", "id", op->caller->sub, "kind",
                                op->caller->is_client ? "client" : "user", "company_id",
                                op->caller->company_id));
  int rc = bus_outbox_add(conn, type, portal, op->case_id, data);
  json_decref(data);
  if (rc != CS_OK) return cs_refusal_db(&op->err);
  return CS_OK;
}

int cases_require_internal(struct cases_op *op, const char *what) {
  if (cases_caller_is_internal(op->caller)) return CS_OK;
  return cs_refuse(&op->err, PROBLEM_FORBIDDEN, "only the insurer may %s", what);
}

void cases_http_policy_failed(struct request_ctx *ctx) {
  http_problem_full(ctx->resp, PROBLEM_UNAVAILABLE, CASES_POLICY_FAILED_DETAIL,
                    NULL, NULL);
}

void cases_idem_scope(const struct cases_caller *c, char scope[128]) {
  snprintf(scope, 128, "%s/%s", c->sub, c->portal_id);
}

int cases_require(struct cases_op *op, const char *action, const long long *amount) {
  struct cases_decision d;
  if (op->caller->is_client) return CS_OK; /* the integration acts for the insurer */
  if (cases_policy_authorize(op->caller->sub, op->caller->portal_id, action, op->case_roles,
                             amount, &d) != CS_OK)
    return cases_policy_failed(&op->err);
  if (d.allow) return CS_OK;
  return cs_refuse(&op->err, PROBLEM_FORBIDDEN, "%s is not allowed: %s", action, d.reason);
}

/* ---- the runner ---------------------------------------------------------------------------- */

/* Bumps the case's version and updated_at. */
static int op_bump(PGconn *conn, struct cases_op *op) {
  const char *params[] = {op->case_id};
  if (db_exec(conn, "UPDATE cases SET version = version + 1, updated_at = now() WHERE id = $1",
              1, params, NULL, op->err.sqlstate) != CS_OK)
    return cs_refusal_db(&op->err);
  return CS_OK;
}

int cases_op_finish(PGconn *conn, struct cases_op *op) {
  if (!op->changed) { /* nothing was written: the document read under the lock is the answer */
    op->result = json_incref(op->current);
    return CS_OK;
  }
  if (op_bump(conn, op) != CS_OK) return CS_REFUSED;
  if (cases_store_document(conn, op->case_id, &op->result, op->err.sqlstate) != CS_OK ||
      op->result == NULL)
    return cs_refusal_db(&op->err);
  return CS_OK;
}

static int check_if_match(struct request_ctx *ctx, const json_t *doc, int flags) {
  if (!(flags & (CASES_OP_IF_MATCH | CASES_OP_REQUIRE_IF_MATCH))) return CS_OK;
  return http_check_if_match_version(ctx->req, ctx->resp,
                                     json_integer_value(json_object_get(doc, "version")),
                                     (flags & CASES_OP_REQUIRE_IF_MATCH) != 0);
}

void cases_http_case_op(struct request_ctx *ctx, const struct http_field *fields, size_t nfields,
                        int flags, cases_op_fn fn, int ok_status) {
  struct cases_caller caller;
  struct cases_op op;
  json_t *body = NULL, *current = NULL;
  PGconn *conn = NULL;
  const char *key = NULL;
  char scope[128];
  int loaded = 0;

  memset(&op, 0, sizeof(op));
  if (cases_caller_load(ctx, &caller) != CS_OK) return;
  loaded = 1;
  op.ctx = ctx;
  op.caller = &caller;
  if ((op.case_id = http_path_uuid(ctx->req, ctx->resp, "id", "case")) == NULL) goto done;
  if (u_map_get(ctx->req->map_url, "task_id") != NULL &&
      (op.sub_id = http_path_uuid(ctx->req, ctx->resp, "task_id", "task")) == NULL)
    goto done;
  if ((flags & CASES_OP_BODY) && (http_parse_json_object(ctx->req, ctx->resp, &body) != CS_OK ||
                                  http_validate(body, fields, nfields, ctx->resp) != CS_OK))
    goto done;
  op.body = body;
  if (service_db_acquire(ctx, &conn) != CS_OK) goto done;
  cases_idem_scope(&caller, scope);
  if (db_begin(conn) != CS_OK) {
    service_db_problem(ctx, NULL);
    goto done;
  }
  if ((flags & CASES_OP_IDEMPOTENT) &&
      service_idem_begin(ctx, conn, scope, ctx->req->url_path, &key) != CS_OK)
    goto done;
  if (cases_store_visible_document(conn, &caller, op.case_id, 1, &current, op.err.sqlstate) !=
      CS_OK) {
    service_db_problem(ctx, op.err.sqlstate);
    goto done;
  }
  if (current == NULL) {
    http_problem_full(ctx->resp, PROBLEM_NOT_FOUND, "no such case", NULL, NULL);
    goto done;
  }
  if (check_if_match(ctx, current, flags) != CS_OK) goto done;
  op.current = current;
  if (cases_roles_of(conn, &caller, op.case_id, &op.case_roles, op.err.sqlstate) != CS_OK) {
    service_db_problem(ctx, op.err.sqlstate);
    goto done;
  }
  if (fn(conn, &op) != CS_OK || cases_op_finish(conn, &op) != CS_OK) {
    service_refusal_answer(ctx, &op.err);
    goto done;
  }
  if (key != NULL && service_idem_record(ctx, conn, scope, key, ok_status, op.result,
                                         u_map_get(ctx->resp->map_header, "Location")) != CS_OK)
    goto done;
  if (db_commit(conn) != CS_OK) {
    service_db_problem(ctx, NULL);
    goto done;
  }
  if (ok_status == 204) {
    ulfius_set_empty_body_response(ctx->resp, 204);
  } else {
    http_json_resource(ctx->resp, ok_status, op.result);
    op.result = NULL;
  }
done:
  if (conn != NULL) service_db_release(ctx, conn); /* rolls back an unfinished transaction */
  cs_refusal_clear(&op.err);
  json_decref(op.result);
  json_decref(current);
  json_decref(body);
  if (loaded) cases_caller_clear(&caller);
}
