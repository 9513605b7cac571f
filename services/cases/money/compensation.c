/* The compensation decision rules (see compensation.h). */
#include "compensation.h"

#include <string.h>

#include "money_op.h"
#include "status.h"
#include "store_money.h"

static const char *text(const json_t *o, const char *name) {
  return json_string_value(json_object_get(o, name));
}

static int same(const char *a, const char *b) {
  return a == NULL || b == NULL ? a == b : !strcmp(a, b);
}

void cases_compensation_rules(const json_t *body, struct cs_refusal *err) {
  const char *d = text(body, "decision");
  const json_t *comment = json_object_get(body, "comment");
  if (d != NULL && strcmp(d, "positive") != 0 && strcmp(d, "negative") != 0)
    cs_refusal_field(err, "decision", FIELD_NOT_ALLOWED, "must be positive or negative");
  if (json_is_string(comment) && json_string_length(comment) > 4000)
    cs_refusal_field(err, "comment", FIELD_TOO_LONG, "must be at most 4000 bytes long");
}

static int may_decide(struct cases_op *op) {
  if (cases_caller_is_internal(op->caller)) return CS_OK;
  return cases_require(op, "make_compensation_decision", NULL);
}

int cases_compensation_decide(PGconn *conn, struct cases_op *op) {
  const json_t *before = json_object_get(op->current, "compensation_decision");
  const char *decision = text(op->body, "decision"), *comment = text(op->body, "comment");
  if (may_decide(op) != CS_OK || money_refuse_closed(op) != CS_OK) return CS_REFUSED;
  if (cases_op_checking(op)) return CS_OK;
  if (json_is_object(before) && same(text(before, "decision"), decision) &&
      same(text(before, "comment"), comment))
    return CS_OK; /* nothing changes: no history, no event */
  json_t *after = json_pack("{s:s, s:s?}", "decision", decision, "comment", comment);
  if (cases_store_compensation(conn, op->case_id, decision, comment, op->caller->sub,
                               op->err.sqlstate) != CS_OK) {
    json_decref(after);
    return cs_refusal_db(&op->err);
  }
  int rc = cases_history_add(conn, op, "compensation.decided", NULL,
                             json_is_object(before) ? before : NULL, after);
  json_t *data = json_pack("{s:s, s:s?, s:b}", "decision", decision, "comment", comment,
                           "replaces_earlier", json_is_object(before));
  json_decref(after);
  if (rc != CS_OK) {
    json_decref(data);
    return rc;
  }
  return cases_event(conn, op, "compensation.decided", data);
}

int cases_compensation_undo(PGconn *conn, struct cases_op *op) {
  const json_t *before = json_object_get(op->current, "compensation_decision");
  if (may_decide(op) != CS_OK || money_refuse_closed(op) != CS_OK) return CS_REFUSED;
  if (!json_is_object(before))
    return cs_refuse(&op->err, PROBLEM_WRONG_STATE, "the case has no compensation decision");
  if (cases_op_checking(op)) return CS_OK;
  if (cases_store_compensation(conn, op->case_id, NULL, NULL, NULL, op->err.sqlstate) != CS_OK)
    return cs_refusal_db(&op->err);
  if (cases_history_add(conn, op, "compensation.undone", NULL, before, NULL) != CS_OK)
    return CS_REFUSED;
  return cases_event(conn, op, "compensation.undone",
                     json_pack("{s:O?}", "undone_decision", json_object_get(before, "decision")));
}
