/* A change of one case, the domain side (see case_op.h): history, events, and the questions to
 * the replica of the policy service's facts, read in the check phase and answered from op->facts in
 * the apply phase. No resource-specific rules here. */
#include "case_op.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "policy_facts.h"
#include "status.h"
#include "store_core.h"
#include "write.h"

int cases_op_checking(const struct cases_op *op) { return op->phase == CASES_OP_CHECK; }

void cases_op_clear(struct cases_op *op) {
  json_decref(op->current);
  json_decref(op->item);
  json_decref(op->money);
  json_decref(op->facts);
  json_decref(op->result);
  op->current = op->item = op->money = op->facts = op->result = NULL;
  cs_refusal_clear(&op->err);
}

int cases_roles_of(PGconn *conn, const struct cases_caller *c, const char *case_id, unsigned *mask,
                   char sqlstate[6]) {
  struct cases_store_holdings held;
  *mask = 0;
  if (cases_caller_is_internal(c)) return CS_OK;
  if (cases_store_holdings(conn, case_id, c->sub, &held, sqlstate) != CS_OK) return CS_ERR_DB;
  if (held.ech) *mask |= CASES_ROLE_EXTERNAL_CASE_HANDLER;
  if (held.project_management) *mask |= CASES_ROLE_PROJECT_MANAGER;
  if (held.inspection) *mask |= CASES_ROLE_INSPECTOR;
  return CS_OK;
}

int cases_op_roles(PGconn *conn, struct cases_op *op) {
  if (cases_roles_of(conn, op->caller, op->case_id, &op->case_roles, op->err.sqlstate) != CS_OK)
    return cs_refusal_db(&op->err);
  return CS_OK;
}

int cases_history_add(PGconn *conn, struct cases_op *op, const char *action, const char *task_id,
                      const json_t *before, const json_t *after) {
  char *b = before != NULL ? json_dumps(before, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
  char *a = after != NULL ? json_dumps(after, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
  const struct cases_store_history h = {
      .case_id = op->case_id,
      .portal_id = json_string_value(json_object_get(op->current, "portal_id")),
      .actor_id = op->caller->sub,
      .actor_kind = cases_actor_kind(op->caller),
      .company_id = op->caller->company_id[0] != '\0' ? op->caller->company_id : NULL,
      .action = action,
      .task_id = task_id,
      .before = b,
      .after = a};
  int rc = cases_store_history_add(conn, &h);
  free(b);
  free(a);
  if (rc != CS_OK) return cs_refusal_db(&op->err);
  op->changed = 1;
  return CS_OK;
}

int cases_event(PGconn *conn, struct cases_op *op, const char *type, json_t *data) {
  const char *portal = json_string_value(json_object_get(op->current, "portal_id"));
  if (data != NULL) {
    json_object_set_new(data, "case_id", json_string(op->case_id));
    json_object_set(data, "claim_number", json_object_get(op->current, "claim_number"));
    const struct cases_caller *c = op->caller;
    json_object_set_new(data, "actor",
                        json_pack("{s:s, s:s, s:s?}", "id", c->sub, "kind", cases_actor_kind(c),
                                  "company_id", c->company_id[0] != '\0' ? c->company_id : NULL));
  }
  if (data == NULL || json_object_get(data, "case") != NULL) /* case.created carries it */
    return write_event(conn, &op->err, type, portal, op->case_id, data);
  /* the case as it is after the change, for consumers that keep it (the customer page) */
  int rc = cases_store_event_with_case(conn, type, portal, op->case_id, data, op->changed);
  json_decref(data);
  return rc == CS_OK ? CS_OK : cs_refusal_db(&op->err);
}

int cases_require_internal(struct cases_op *op, const char *what) {
  if (cases_caller_is_internal(op->caller)) return CS_OK;
  return cs_refuse(&op->err, PROBLEM_FORBIDDEN, "only the insurer may %s", what);
}

void cases_idem_scope(const struct cases_caller *c, char scope[128]) {
  snprintf(scope, 128, "%s/%s", c->sub, c->portal_id);
}

/* ---- questions to the replica ---------------------------------------------------- */

/* The answer to question kept by the check phase (borrowed), NULL when there is none: then the
 * apply phase took a path its check did not, a fault (the same version reads the same). */
static const json_t *fact(struct cases_op *op, const char *question) {
  const json_t *a = json_object_get(op->facts, question);
  if (a == NULL) log_error("cases: %s was not asked before the transaction", question);
  return a;
}

static int keep(struct cases_op *op, const char *question, json_t *answer) {
  if (op->facts == NULL) op->facts = json_object();
  if (answer == NULL || json_object_set_new(op->facts, question, answer) != 0)
    return cs_refuse(&op->err, PROBLEM_INTERNAL, "out of memory");
  return CS_OK;
}

int cases_require(struct cases_op *op, const char *action, const long long *amount) {
  char question[160];
  const json_t *d;
  if (op->caller->is_client) return CS_OK; /* the integration acts for the insurer */
  snprintf(question, sizeof(question), "authorize %s %lld%s", action, amount ? *amount : 0,
           amount ? "" : "-");
  if (cases_op_checking(op)) {
    struct cases_decision got;
    if (cases_policy_authorize(NULL, op->caller->sub, op->caller->portal_id, action, op->case_roles,
                               amount, &got) != CS_OK)
      return cases_policy_failed(&op->err);
    json_t *answer = json_pack("{s:b, s:s}", "allow", got.allow, "reason", got.reason);
    if (answer != NULL && got.has_limit)
      json_object_set_new(answer, "limit", json_integer(got.limit));
    if (keep(op, question, answer) != CS_OK) return CS_REFUSED;
  }
  if ((d = fact(op, question)) == NULL)
    return cs_refuse(&op->err, PROBLEM_INTERNAL, "the request could not be completed");
  if (json_is_true(json_object_get(d, "allow"))) return CS_OK;
  const json_t *limit = json_object_get(d, "limit");
  if (amount != NULL && json_is_integer(limit)) {
    cs_refuse(&op->err, PROBLEM_APPROVAL_LIMIT_EXCEEDED,
              "%lld is above the approval limit of %lld (%s)", *amount,
              (long long)json_integer_value(limit),
              json_string_value(json_object_get(d, "reason")));
    op->err.extra = json_pack("{s:O, s:I}", "limit", limit, "amount", (json_int_t)*amount);
    return CS_REFUSED;
  }
  return cs_refuse(&op->err, PROBLEM_FORBIDDEN, "%s is not allowed: %s", action,
                   json_string_value(json_object_get(d, "reason")));
}

typedef int (*lookup_fn)(PGconn *conn, const char *portal_id, const char *id, json_t **out);

/* One lookup by id, asked in check and kept (JSON null for "none"). */
static int look_up(struct cases_op *op, const char *what, lookup_fn fn, const char *portal_id,
                   const char *id, json_t **out) {
  char question[160];
  const json_t *a;
  *out = NULL;
  snprintf(question, sizeof(question), "%s %s %s", what, portal_id, id);
  if (cases_op_checking(op)) {
    json_t *got = NULL;
    if (fn(NULL, portal_id, id, &got) != CS_OK) return cases_policy_failed(&op->err);
    if (keep(op, question, got != NULL ? got : json_null()) != CS_OK) return CS_REFUSED;
  }
  if ((a = fact(op, question)) == NULL)
    return cs_refuse(&op->err, PROBLEM_INTERNAL, "the request could not be completed");
  if (!json_is_null(a)) *out = json_deep_copy(a);
  return CS_OK;
}

int cases_op_office(struct cases_op *op, const char *portal_id, const char *office_id,
                    json_t **office) {
  return look_up(op, "office", cases_policy_office, portal_id, office_id, office);
}

/* replica_portal in the shape of a lookup by id */
static int portal_lookup(PGconn *conn, const char *portal_id, const char *id, json_t **out) {
  (void)id;
  return cases_policy_portal(conn, portal_id, out);
}

int cases_op_portal(struct cases_op *op, json_t **portal) {
  const char *portal_id = json_string_value(json_object_get(op->current, "portal_id"));
  return look_up(op, "portal", portal_lookup, portal_id, "-", portal);
}

int cases_op_user(struct cases_op *op, const char *portal_id, const char *user_id, json_t **user) {
  return look_up(op, "user", cases_policy_user, portal_id, user_id, user);
}

/* ---- the end of a change --------------------------------------------------------------------- */

int cases_op_finish(PGconn *conn, struct cases_op *op) {
  if (!op->changed) { /* nothing was written: the document of the locked version is the answer */
    if (op->result == NULL) op->result = json_incref(op->item != NULL ? op->item : op->current);
    return CS_OK;
  }
  if (cases_store_bump(conn, op->case_id, op->err.sqlstate) != CS_OK)
    return cs_refusal_db(&op->err);
  if (op->result != NULL) return CS_OK; /* the change answered with its item */
  if (cases_store_document(conn, op->case_id, &op->result, op->err.sqlstate) != CS_OK ||
      op->result == NULL)
    return cs_refusal_db(&op->err);
  return CS_OK;
}

/* ---- a change outside the write runner ------------------------------------------------------ */

int cases_op_begin(PGconn *conn, struct cases_op *op) {
  if (db_begin(conn) != CS_OK) return cs_refuse(&op->err, PROBLEM_UNAVAILABLE, "try again");
  return cases_op_join(conn, op);
}

int cases_op_join(PGconn *conn, struct cases_op *op) {
  long long version;
  if (cases_store_lock_version(conn, op->case_id, &version, op->err.sqlstate) != CS_OK ||
      cases_store_document(conn, op->case_id, &op->current, op->err.sqlstate) != CS_OK)
    return cs_refusal_db(&op->err);
  if (op->current == NULL) return cs_refuse(&op->err, PROBLEM_NOT_FOUND, "no such case");
  return CS_OK;
}

int cases_op_leave(PGconn *conn, struct cases_op *op, int rc) {
  /* as cases_op_finish: only a change of the case's document (its history) bumps its version */
  if (rc == CS_OK && op->changed && cases_store_bump(conn, op->case_id, op->err.sqlstate) != CS_OK)
    rc = cs_refusal_db(&op->err);
  return rc;
}

int cases_op_end(PGconn *conn, struct cases_op *op, int rc, json_t **result,
                 struct cs_refusal *err) {
  rc = cases_op_leave(conn, op, rc);
  if (rc == CS_OK && db_commit(conn) != CS_OK)
    rc = cs_refuse(&op->err, PROBLEM_UNAVAILABLE, "the change could not be committed; try again");
  if (rc != CS_OK) {
    db_rollback(conn);
    if (result != NULL) {
      json_decref(*result);
      *result = NULL;
    }
    cs_refusal_clear(err); /* what the caller gathered before (an empty field list) goes */
    *err = op->err;
    memset(&op->err, 0, sizeof(op->err));
    rc = CS_REFUSED;
  }
  cases_op_clear(op);
  return rc;
}

int cases_op_partner_upload(PGconn *conn, struct cases_op *op) {
  if (strcmp(op->caller->company_kind, "partner") != 0) return CS_OK;
  if (cases_store_partner_upload(conn, op->case_id, op->err.sqlstate) != CS_OK)
    return cs_refusal_db(&op->err);
  return CS_OK;
}

/* 1 when the caller holds any of actions (NULL-terminated) through its roles in the case. */
int cases_holds_any(PGconn *conn, const struct cases_caller *c, const char *case_id,
                    const char *const *actions, int *held, struct cs_refusal *err) {
  unsigned roles = 0;
  json_t *asked = json_array(), *decisions = NULL;
  const json_t *d;
  size_t i;
  *held = 0;
  if (cases_roles_of(conn, c, case_id, &roles, err->sqlstate) != CS_OK) {
    json_decref(asked);
    return cs_refusal_db(err);
  }
  for (i = 0; actions[i] != NULL; i++) json_array_append_new(asked, json_string(actions[i]));
  int rc = cases_policy_authorize_batch(conn, c->sub, c->portal_id, asked, roles, &decisions);
  json_decref(asked);
  if (rc != CS_OK) return cases_policy_failed(err);
  json_array_foreach(decisions, i, d) if (json_is_true(json_object_get(d, "allow"))) *held = 1;
  json_decref(decisions);
  return CS_OK;
}

int cases_op_refuse_closed(struct cases_op *op, const char *what) {
  const char *status = json_string_value(json_object_get(op->current, "status"));
  if (status == NULL || strcmp(status, "closed") != 0) return CS_OK;
  return cs_refuse(&op->err, PROBLEM_WRONG_STATE,
                   "the case is closed; its %s cannot change until it is reopened", what);
}

const json_t *cases_case_task(const json_t *case_doc, const char *task_id) {
  size_t i;
  const json_t *t;
  if (task_id == NULL) return NULL;
  json_array_foreach(json_object_get(case_doc, "tasks"), i, t) {
    const char *id = json_string_value(json_object_get(t, "id"));
    if (id != NULL && !strcmp(id, task_id)) return t;
  }
  return NULL;
}
