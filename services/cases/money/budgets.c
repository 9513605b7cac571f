/* The budget rules (see budgets.h). Order of the checks, as for tasks: the body's rules in the
 * route; then the task or budget exists (404), the caller may (403), the case, task and budget
 * are in a state that allows it (409). */
#include "budgets.h"

#include <stdlib.h>
#include <string.h>

#include "ids.h"
#include "money.h"
#include "money_op.h"
#include "status.h"
#include "store_money.h"

static const char *text(const json_t *o, const char *name) {
  return json_string_value(json_object_get(o, name));
}

static void note_rule(const json_t *body, struct cs_refusal *err) {
  const json_t *note = json_object_get(body, "note");
  if (json_is_string(note) && json_string_length(note) > 2000)
    cs_refusal_field(err, "note", FIELD_TOO_LONG, "must be at most 2000 bytes long");
}

void cases_budget_create_rules(const json_t *body, struct cs_refusal *err) {
  money_lines_rules(json_object_get(body, "lines"), "lines", 0, err);
  note_rule(body, err);
}

void cases_budget_patch_rules(const json_t *body, struct cs_refusal *err) {
  cases_budget_create_rules(body, err);
  if (json_object_get(body, "lines") == NULL && json_object_get(body, "note") == NULL)
    cs_refusal_field(err, "lines", FIELD_REQUIRED, "lines or note is required");
}

void cases_reason_rules(const json_t *body, struct cs_refusal *err) {
  const json_t *reason = json_object_get(body, "reason");
  if (json_is_string(reason) && json_string_length(reason) == 0)
    cs_refusal_field(err, "reason", FIELD_REQUIRED, "must not be empty");
}

/* Who may draft, change and submit a budget of task: the insurer, the partner holding the
 * task, or a holder of add_budget_for_other_partners where no cash offer is used. */
static int may_draft(struct cases_op *op, const json_t *task) {
  const char *task_id = text(task, "id");
  if (money_task_company(task) == NULL)
    return cs_refuse(&op->err, PROBLEM_WRONG_STATE,
                     "the task has no partner yet; a budget follows its assignment");
  if (cases_caller_is_internal(op->caller) || money_is_supplier(op, task)) return CS_OK;
  if (cases_require(op, "add_budget_for_other_partners", NULL) != CS_OK) return CS_REFUSED;
  if (json_is_string(json_object_get(money_facts(op, task_id), "cash_offer")))
    return cs_refuse(&op->err, PROBLEM_WRONG_STATE,
                     "a cash offer is used for this task: budgets are not added on behalf of "
                     "its partner");
  return CS_OK;
}

/* The budget's task (op->item's), checked with may_draft. */
static int may_draft_budget(struct cases_op *op) {
  const json_t *task;
  if (money_task(op, text(op->item, "task_id"), &task) != CS_OK) return CS_REFUSED;
  return may_draft(op, task);
}

/* The lines of body computed and written for owner_id; totals out. CS_OK or refused. */
static int write_lines(PGconn *conn, struct cases_op *op, const char *owner_id, const json_t *lines,
                       struct money_totals *totals) {
  struct money_line *computed = NULL;
  size_t n = 0;
  char *json = NULL;
  int rc = money_lines_compute(lines, &computed, &n, totals);
  if (rc == CS_OK && (json = money_lines_json(computed, n)) == NULL) rc = CS_ERR_NOMEM;
  if (rc == CS_OK && cases_store_lines_replace(conn, owner_id, json, op->err.sqlstate) != CS_OK)
    rc = cs_refusal_db(&op->err);
  else if (rc == CS_ERR_NOMEM)
    rc = cs_refuse(&op->err, PROBLEM_INTERNAL, "out of memory");
  free(computed);
  free(json);
  return rc;
}

/* The event data of a budget: what a customer page and an integration need of it. */
static json_t *budget_data(const json_t *b) {
  return json_pack(
      "{s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?}", "company_id", json_object_get(b, "company_id"),
      "revision", json_object_get(b, "revision"), "status", json_object_get(b, "status"),
      "currency", json_object_get(b, "currency"), "total_excl_vat",
      json_object_get(b, "total_excl_vat"), "total_vat", json_object_get(b, "total_vat"),
      "total_incl_vat", json_object_get(b, "total_incl_vat"));
}

int cases_budget_create(PGconn *conn, struct cases_op *op) {
  const json_t *task, *lines = json_object_get(op->body, "lines");
  char currency[4], id[37];
  struct money_totals totals = {0};
  json_t *doc = NULL;
  int rc;

  if (money_task(op, op->sub_id, &task) != CS_OK || may_draft(op, task) != CS_OK ||
      money_refuse_closed(op) != CS_OK)
    return CS_REFUSED;
  const char *open = text(money_facts(op, op->sub_id), "open_budget");
  if (open != NULL)
    return cs_refuse(&op->err, PROBLEM_WRONG_STATE,
                     "the task has a %s budget; change or decide that one first", open);
  if (money_currency(op, currency) != CS_OK) return CS_REFUSED;
  if (cases_op_checking(op)) return CS_OK;

  ids_uuid_v4(id);
  if (json_is_array(lines)) {
    struct money_totals scratch;
    /* the lines are written first (they name the budget, no foreign key), then the totals */
    if (write_lines(conn, op, id, lines, &scratch) != CS_OK) return CS_REFUSED;
    totals = scratch;
  }
  const struct cases_store_budget_new b = {
      .id = id,
      .case_id = op->case_id,
      .task_id = op->sub_id,
      .portal_id = text(op->current, "portal_id"),
      .company_id = money_task_company(task),
      .currency = currency,
      .note = text(op->body, "note"),
      .created_by = op->caller->sub,
      .created_by_company = op->caller->is_client ? NULL : op->caller->company_id};
  const struct cases_store_totals t = {totals.excl_vat, totals.vat, totals.incl_vat};
  if (cases_store_budget_insert(conn, &b, &t, &doc, op->err.sqlstate) != CS_OK || doc == NULL)
    return cs_refusal_db(&op->err);
  rc = money_step(conn, op, "budget.created", "budget_id", NULL, doc, budget_data(doc));
  json_decref(doc);
  if (rc == CS_OK)
    snprintf(op->location, sizeof(op->location), "/v1/cases/%s/budgets/%s", op->case_id, id);
  return rc;
}

int cases_budget_patch(PGconn *conn, struct cases_op *op) {
  const json_t *lines = json_object_get(op->body, "lines");
  const json_t *note = json_object_get(op->body, "note");
  struct money_totals totals = {0};
  json_t *doc = NULL;
  if (may_draft_budget(op) != CS_OK || money_refuse_closed(op) != CS_OK ||
      money_require_status(op, op->item, "draft", "budget", "changed") != CS_OK)
    return CS_REFUSED;
  if (cases_op_checking(op)) return CS_OK;

  const char *id = text(op->item, "id");
  if (lines != NULL && write_lines(conn, op, id, lines, &totals) != CS_OK) return CS_REFUSED;
  const struct cases_store_totals t = {totals.excl_vat, totals.vat, totals.incl_vat};
  if (cases_store_budget_update(conn, id, lines != NULL ? &t : NULL, note != NULL,
                                json_string_value(note), &doc, op->err.sqlstate) != CS_OK ||
      doc == NULL)
    return cs_refusal_db(&op->err);
  int rc = money_step(conn, op, "budget.changed", "budget_id", op->item, doc, budget_data(doc));
  json_decref(doc);
  return rc;
}

/* Moves op->item to status and refreshes the task's indicator: the step's event is type. */
static int move(PGconn *conn, struct cases_op *op, const char *status, const char *reason,
                const char *type) {
  json_t *doc = NULL;
  const char *id = text(op->item, "id");
  if (cases_store_budget_status(conn, id, status, op->caller->sub, reason, &doc,
                                op->err.sqlstate) != CS_OK ||
      doc == NULL ||
      cases_store_money_refresh(conn, op->case_id, text(doc, "task_id"), op->err.sqlstate) !=
          CS_OK) {
    json_decref(doc);
    return cs_refusal_db(&op->err);
  }
  json_t *data = budget_data(doc);
  if (reason != NULL) json_object_set_new(data, "reason", json_string(reason));
  int rc = money_step(conn, op, type, "budget_id", op->item, doc, data);
  json_decref(doc);
  return rc;
}

int cases_budget_submit(PGconn *conn, struct cases_op *op) {
  if (may_draft_budget(op) != CS_OK || money_refuse_closed(op) != CS_OK ||
      money_require_status(op, op->item, "draft", "budget", "submitted") != CS_OK)
    return CS_REFUSED;
  if (json_array_size(json_object_get(op->item, "lines")) == 0)
    return cs_refuse(&op->err, PROBLEM_WRONG_STATE, "a budget without lines cannot be submitted");
  if (cases_op_checking(op)) return CS_OK;
  return move(conn, op, "submitted", NULL, "budget.submitted");
}

/* approve_budget for the budget's total incl. VAT (amount NULL: the right alone), and never by
 * the user who submitted it (four eyes). */
static int may_decide(struct cases_op *op, const long long *amount) {
  const char *submitter = text(op->item, "submitted_by");
  if (money_require_approver(op, amount) != CS_OK) return CS_REFUSED;
  if (submitter != NULL && !strcmp(submitter, op->caller->sub))
    return cs_refuse(&op->err, PROBLEM_FORBIDDEN,
                     "the user who submitted a budget cannot decide it");
  return CS_OK;
}

int cases_budget_approve(PGconn *conn, struct cases_op *op) {
  long long amount = json_integer_value(json_object_get(op->item, "total_incl_vat"));
  if (may_decide(op, &amount) != CS_OK || money_refuse_closed(op) != CS_OK ||
      money_require_status(op, op->item, "submitted", "budget", "approved") != CS_OK)
    return CS_REFUSED;
  if (cases_op_checking(op)) return CS_OK;
  return move(conn, op, "approved", NULL, "budget.approved");
}

int cases_budget_reject(PGconn *conn, struct cases_op *op) {
  if (may_decide(op, NULL) != CS_OK || money_refuse_closed(op) != CS_OK ||
      money_require_status(op, op->item, "submitted", "budget", "rejected") != CS_OK)
    return CS_REFUSED;
  if (cases_op_checking(op)) return CS_OK;
  return move(conn, op, "rejected", text(op->body, "reason"), "budget.rejected");
}
