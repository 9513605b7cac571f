/* What the money changes of a case share (see money_op.h). */
#include "money_op.h"

#include <stdio.h>
#include <string.h>

#include "status.h"

static const char *text(const json_t *o, const char *name) {
  return json_string_value(json_object_get(o, name));
}

int money_task(struct cases_op *op, const char *task_id, const json_t **task) {
  if ((*task = cases_case_task(op->current, task_id)) != NULL) return CS_OK;
  return cs_refuse(&op->err, PROBLEM_NOT_FOUND, "no such task in this case");
}

const char *money_task_company(const json_t *task) {
  return text(json_object_get(task, "office"), "company_id");
}

int money_is_supplier(const struct cases_op *op, const json_t *task) {
  const char *company = money_task_company(task);
  return !op->caller->is_client && company != NULL && !strcmp(company, op->caller->company_id);
}

const json_t *money_facts(const struct cases_op *op, const char *task_id) {
  return task_id != NULL ? json_object_get(op->money, task_id) : NULL;
}

long long money_fact(const struct cases_op *op, const char *task_id, const char *member) {
  const json_t *v = json_object_get(money_facts(op, task_id), member);
  return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

int money_refuse_closed(struct cases_op *op) { return cases_op_refuse_closed(op, "money"); }

void money_portal_currency(const json_t *portal, char cur[4]) {
  const char *c = text(portal, "currency");
  snprintf(cur, 4, "%s", c != NULL && strlen(c) == 3 ? c : "SEK");
}

int money_currency(struct cases_op *op, char cur[4]) {
  json_t *portal = NULL;
  if (cases_op_portal(op, &portal) != CS_OK) return CS_REFUSED;
  money_portal_currency(portal, cur);
  json_decref(portal);
  return CS_OK;
}

int money_require_approver(struct cases_op *op, const long long *amount) {
  if (cases_require(op, "approve_budget", amount) == CS_OK) return CS_OK;
  if (op->err.kind == PROBLEM_APPROVAL_LIMIT_EXCEEDED && op->err.extra != NULL)
    json_object_set(op->err.extra, "currency", json_object_get(op->item, "currency"));
  return CS_REFUSED;
}

int money_require_status(struct cases_op *op, const json_t *item, const char *want,
                         const char *what, const char *action) {
  const char *status = text(item, "status");
  if (status != NULL && !strcmp(status, want)) return CS_OK;
  cs_refuse(&op->err, PROBLEM_WRONG_STATE, "a %s in status %s cannot be %s (only one %s can)", what,
            status != NULL ? status : "?", action, want);
  op->err.extra = json_pack("{s:s?}", "current_status", status);
  return CS_REFUSED;
}

int money_step(PGconn *conn, struct cases_op *op, const char *type, const char *id_member,
               const json_t *before, json_t *after, json_t *data) {
  const char *task_id = text(after, "task_id");
  if (data == NULL) data = json_object();
  json_object_set(data, id_member, json_object_get(after, "id"));
  if (task_id != NULL) json_object_set_new(data, "task_id", json_string(task_id));
  if (cases_history_add(conn, op, type, task_id, before, after) != CS_OK) {
    json_decref(data);
    return CS_REFUSED;
  }
  if (cases_event(conn, op, type, data) != CS_OK) return CS_REFUSED;
  json_decref(op->result);
  op->result = json_incref(after);
  return CS_OK;
}
