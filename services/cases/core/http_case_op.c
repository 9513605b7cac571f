/* The HTTP side shared by the cases resources (see http_case_op.h). */
#include "http_case_op.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "http.h"
#include "http_write.h"
#include "log.h"
#include "policy_facts.h"
#include "service.h"
#include "status.h"
#include "store_core.h"
#include "store_money.h"

int cases_http_caller(struct request_ctx *ctx, struct cases_caller *c) {
  struct cs_refusal err = {0};
  if (cases_caller_load(ctx->claims, c, &err) == CS_OK) return CS_OK;
  service_refusal_answer(ctx, &err);
  if (err.kind == PROBLEM_INVALID_TOKEN)
    u_map_put(ctx->resp->map_header, "WWW-Authenticate", "Bearer");
  cs_refusal_clear(&err);
  return CS_ERR_INVALID;
}

int cases_http_visible_case(struct request_ctx *ctx, struct cases_caller *c, PGconn **conn,
                            const char **case_id) {
  char sqlstate[6] = "";
  int visible = 0;
  *conn = NULL;
  if (cases_http_caller(ctx, c) != CS_OK) return CS_ERR_INVALID;
  if ((*case_id = http_path_uuid(ctx->req, ctx->resp, "id", "case")) == NULL) goto refused;
  if (service_db_acquire(ctx, conn) != CS_OK) goto refused;
  if (cases_store_visible(*conn, c->portal_id, cases_caller_scope(c), *case_id, &visible,
                          sqlstate) != CS_OK) {
    service_db_problem(ctx, sqlstate);
    goto refused;
  }
  if (!visible) {
    http_problem(ctx->resp, PROBLEM_NOT_FOUND, "no such case");
    goto refused;
  }
  return CS_OK;
refused:
  if (*conn != NULL) service_db_release(ctx, *conn);
  *conn = NULL;
  cases_caller_clear(c);
  return CS_ERR_INVALID;
}

void cases_http_policy_failed(struct request_ctx *ctx) {
  http_problem(ctx->resp, PROBLEM_UNAVAILABLE, CASES_POLICY_FAILED_DETAIL);
}

/* ---- the hooks of a change of one case (http_write.h) ----------------------------------- */

struct case_run {
  struct cases_op op;
  const struct cases_op_route *route;
  long long case_version; /* as read */
};

/* The case visible to the caller, read without a lock: op->current, 404 when it is not. */
static int read_case(PGconn *conn, struct cases_op *op, long long *version) {
  json_decref(op->current);
  op->current = NULL;
  if (cases_store_visible_document(conn, op->caller->portal_id, cases_caller_scope(op->caller),
                                   op->case_id, &op->current, op->err.sqlstate) != CS_OK)
    return cs_refusal_db(&op->err);
  if (op->current == NULL) return cs_refuse(&op->err, PROBLEM_NOT_FOUND, "no such case");
  *version = json_integer_value(json_object_get(op->current, "version"));
  return CS_OK;
}

int cases_op_refused(struct write_call *w, struct cases_op *op) {
  w->err = op->err;
  memset(&op->err, 0, sizeof(op->err));
  return CS_REFUSED;
}

/* The route's item in the case as it is: op->item, 404 when the case has none. */
static int read_item(PGconn *conn, struct case_run *run, long long *version) {
  const struct cases_op_item *item = run->route->item;
  json_decref(run->op.item);
  run->op.item = NULL;
  if (item->read(conn, run->op.case_id, run->op.item_id, &run->op.item, run->op.err.sqlstate) !=
      CS_OK)
    return cs_refusal_db(&run->op.err);
  if (run->op.item == NULL)
    return cs_refuse(&run->op.err, PROBLEM_NOT_FOUND, "no such %s in this case", item->what);
  *version = json_integer_value(json_object_get(run->op.item, "version"));
  return CS_OK;
}

static int hook_read(PGconn *conn, struct write_call *w, long long *version) {
  struct case_run *run = w->op;
  /* a new run: what an earlier check asked may be out of date */
  json_decref(run->op.facts);
  run->op.facts = NULL;
  if (read_case(conn, &run->op, version) != CS_OK || cases_op_roles(conn, &run->op) != CS_OK)
    return cases_op_refused(w, &run->op);
  run->case_version = *version;
  if (run->route->flags & CASES_OP_MONEY) {
    json_decref(run->op.money);
    run->op.money = NULL;
    if (cases_store_money_facts(conn, run->op.case_id, &run->op.money, run->op.err.sqlstate) !=
        CS_OK) {
      cs_refusal_db(&run->op.err);
      return cases_op_refused(w, &run->op);
    }
  }
  if (run->route->item != NULL && read_item(conn, run, version) != CS_OK)
    return cases_op_refused(w, &run->op);
  return CS_OK;
}

static int hook_check(PGconn *conn, struct write_call *w) {
  struct case_run *run = w->op;
  run->op.phase = CASES_OP_CHECK;
  run->op.changed = 0;
  return run->route->fn(conn, &run->op) == CS_OK ? CS_OK : cases_op_refused(w, &run->op);
}

/* The row locked and its version only: the runner compares it with read's, and the same
 * version is the same document (every change of a case or of its tasks bumps it), so
 * op->current, read without a lock, is what apply works on; no second document is built. */
static int hook_lock(PGconn *conn, struct write_call *w, long long *version) {
  struct case_run *run = w->op;
  if (cases_store_lock_version(conn, run->op.case_id, version, run->op.err.sqlstate) != CS_OK)
    cs_refusal_db(&run->op.err);
  else if (*version < 0)
    cs_refuse(&run->op.err, PROBLEM_NOT_FOUND, "no such case");
  else if (run->route->item == NULL)
    return CS_OK;
  else { /* the item changes only with its case: the same case version is the same item */
    long long item_version = json_integer_value(json_object_get(run->op.item, "version"));
    *version = *version == run->case_version ? item_version : WRITE_NO_VERSION - 1;
    return CS_OK;
  }
  return cases_op_refused(w, &run->op);
}

static int hook_apply(PGconn *conn, struct write_call *w) {
  struct case_run *run = w->op;
  run->op.phase = CASES_OP_APPLY;
  run->op.changed = 0;
  if (run->route->fn(conn, &run->op) != CS_OK || cases_op_finish(conn, &run->op) != CS_OK)
    return cases_op_refused(w, &run->op);
  w->result = run->op.result;
  run->op.result = NULL;
  memcpy(w->location, run->op.location, sizeof(run->op.location));
  return CS_OK;
}

int cases_http_body_check(struct request_ctx *ctx, const json_t *body,
                          const struct http_field *fields, size_t nfields, cases_body_rules rules,
                          struct cs_refusal *err) {
  fields_check(body, fields, nfields, err);
  if (rules != NULL) rules(body, err);
  if (cs_refusal_validation(err) == CS_OK) return CS_OK;
  service_refusal_answer(ctx, err);
  return CS_ERR_INVALID;
}

/* The body of a route that takes one: CS_OK with *body new and valid, or answered. */
static int route_body(struct request_ctx *ctx, const struct cases_op_route *route, json_t **body) {
  struct cs_refusal err = {0};
  int rc = http_parse_json_object(ctx->req, ctx->resp, body);
  if (rc == CS_OK)
    rc = cases_http_body_check(ctx, *body, route->fields, route->nfields, route->rules, &err);
  cs_refusal_clear(&err);
  return rc;
}

void cases_http_case_op(struct request_ctx *ctx) {
  static const struct write_hooks hooks = {
      .read = hook_read, .check = hook_check, .lock = hook_lock, .apply = hook_apply};
  const struct cases_op_route *route = ctx->route_arg;
  struct cases_caller caller;
  struct case_run run = {0};
  struct write_call w = {0};
  json_t *body = NULL;
  PGconn *conn = NULL;
  char scope[128];

  if (route == NULL) {
    log_error("cases: no change is registered for %s %s", ctx->req->http_verb, ctx->req->url_path);
    http_problem(ctx->resp, PROBLEM_INTERNAL, "the request could not be completed");
    return;
  }
  int flags = route->flags;
  run.route = route;
  if (cases_http_caller(ctx, &caller) != CS_OK) return;
  run.op.caller = &caller;
  if ((run.op.case_id = http_path_uuid(ctx->req, ctx->resp, "id", "case")) == NULL) goto done;
  if (u_map_get(ctx->req->map_url, "task_id") != NULL &&
      (run.op.sub_id = http_path_uuid(ctx->req, ctx->resp, "task_id", "task")) == NULL)
    goto done;
  if (route->item != NULL &&
      (run.op.item_id =
           http_path_uuid(ctx->req, ctx->resp, route->item->param, route->item->what)) == NULL)
    goto done;
  if ((flags & CASES_OP_OPTIONAL_BODY) && ctx->req->binary_body_length == 0)
    body = json_object();
  else if ((flags & (CASES_OP_BODY | CASES_OP_OPTIONAL_BODY)) &&
           route_body(ctx, route, &body) != CS_OK)
    goto done;
  run.op.body = body;
  if (service_db_acquire(ctx, &conn) != CS_OK) goto done;
  cases_idem_scope(&caller, scope);
  const struct http_write_spec spec = {
      .ok_status = route->ok_status,
      /* the check phase reads the replica on a connection of its own: ours is given back */
      .flags = HTTP_WRITE_CHECK_APART | ((flags & CASES_OP_IF_MATCH) ? HTTP_WRITE_IF_MATCH : 0) |
               ((flags & CASES_OP_REQUIRE_IF_MATCH) ? HTTP_WRITE_REQUIRE_IF_MATCH : 0),
      .idem_scope = (flags & CASES_OP_IDEMPOTENT) ? scope : NULL,
      .idem_path = ctx->req->url_path};
  w.op = &run;
  w.caller = &caller;
  w.body = body;
  w.id = run.op.case_id;
  http_write_run(ctx, &conn, &spec, &hooks, &w);
done:
  if (conn != NULL) service_db_release(ctx, conn);
  cs_refusal_clear(&w.err);
  json_decref(w.result);
  cases_op_clear(&run.op);
  json_decref(body);
  cases_caller_clear(&caller);
}

/* ---- reads and routes ------------------------------------------------------------------- */

void cases_http_read(struct request_ctx *ctx, cases_read_fn fn, void *arg) {
  struct cases_caller caller;
  struct cs_refusal err = {0};
  char *out = NULL;
  PGconn *conn = NULL;

  if (cases_http_caller(ctx, &caller) != CS_OK) return;
  if (service_db_acquire(ctx, &conn) != CS_OK) goto done;
  if (fn(conn, &caller, arg, &out, &err) != CS_OK) {
    service_refusal_answer(ctx, &err);
    goto done;
  }
  http_json_text(ctx->resp, 200, out);
done:
  if (conn != NULL) service_db_release(ctx, conn);
  free(out);
  cs_refusal_clear(&err);
  cases_caller_clear(&caller);
}

int cases_http_item(struct request_ctx *ctx, const struct cases_op_item *item,
                    struct cases_caller *caller, json_t **doc) {
  PGconn *conn = NULL;
  const char *case_id, *id;
  char sqlstate[6] = "", detail[80];
  *doc = NULL;
  if (cases_http_visible_case(ctx, caller, &conn, &case_id) != CS_OK) return CS_ERR_INVALID;
  if ((id = http_path_uuid(ctx->req, ctx->resp, item->param, item->what)) != NULL) {
    if (item->read(conn, case_id, id, doc, sqlstate) != CS_OK) {
      service_db_problem(ctx, sqlstate);
    } else if (*doc == NULL) {
      snprintf(detail, sizeof(detail), "no such %s in this case", item->what);
      http_problem(ctx->resp, PROBLEM_NOT_FOUND, detail);
    }
  }
  service_db_release(ctx, conn);
  if (*doc != NULL) return CS_OK;
  cases_caller_clear(caller);
  return CS_ERR_INVALID;
}

void cases_http_case_call(struct request_ctx *ctx) {
  const struct cases_case_route *route = ctx->route_arg;
  struct cases_caller caller;
  struct cs_refusal err = {0};
  PGconn *conn = NULL;
  const char *case_id;
  json_t *body = NULL, *out = NULL;
  if (cases_http_visible_case(ctx, &caller, &conn, &case_id) != CS_OK) return;
  if (route->fields != NULL && (http_parse_json_object(ctx->req, ctx->resp, &body) != CS_OK ||
                                cases_http_body_check(ctx, body, route->fields, route->nfields,
                                                      route->rules, &err) != CS_OK))
    goto done;
  if (route->fn(conn, &caller, case_id, body, &out, &err) != CS_OK) {
    service_refusal_answer(ctx, &err);
    goto done;
  }
  if (out == NULL) {
    ulfius_set_empty_body_response(ctx->resp, (unsigned)route->status);
    goto done;
  }
  if (route->status == 201 && route->collection != NULL) {
    char location[300];
    snprintf(location, sizeof(location), "/v1/cases/%s/%s/%s", case_id, route->collection,
             json_string_value(json_object_get(out, "id")));
    u_map_put(ctx->resp->map_header, "Location", location);
  }
  http_json(ctx->resp, route->status, out);
  out = NULL;
done:
  json_decref(out);
  json_decref(body);
  cs_refusal_clear(&err);
  service_db_release(ctx, conn);
  cases_caller_clear(&caller);
}

void cases_http_op_routes(struct service *svc, const struct cases_op_route *table, size_t n,
                          const char *what) {
  for (size_t i = 0; i < n; i++) {
    const struct service_route_def r = {table[i].method, table[i].pattern, cases_http_case_op,
                                        ROUTE_AUTHENTICATED};
    service_route_or_exit(svc, &r, &table[i], what);
  }
}
