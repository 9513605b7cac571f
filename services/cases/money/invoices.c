/* The invoice rules (see invoices.h). */
#include "invoices.h"

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

/* The totals of a valid invoice body: its lines', or its amount (incl. VAT) and vat_amount. */
static int body_totals(const json_t *body, struct money_totals *t) {
  const json_t *lines = json_object_get(body, "lines");
  struct money_line *computed = NULL;
  size_t n = 0;
  if (json_is_array(lines) && json_array_size(lines) > 0) {
    int rc = money_lines_compute(lines, &computed, &n, t);
    free(computed);
    return rc;
  }
  t->incl_vat = json_integer_value(json_object_get(body, "amount"));
  t->vat = json_integer_value(json_object_get(body, "vat_amount"));
  t->excl_vat = t->incl_vat - t->vat;
  return CS_OK;
}

void cases_invoice_rules(const json_t *body, struct cs_refusal *err) {
  const json_t *number = json_object_get(body, "invoice_number");
  const json_t *lines = json_object_get(body, "lines"), *amount = json_object_get(body, "amount");
  const json_t *vat = json_object_get(body, "vat_amount");
  const char *issued = text(body, "issued_on"), *due = text(body, "due_on");
  size_t errors = json_array_size(err->errors);
  money_lines_rules(lines, "lines", 0, err);
  money_amount_rule(amount, "amount", 0, 0, err);
  money_amount_rule(vat, "vat_amount", 0, 1, err);
  if ((!json_is_array(lines) || json_array_size(lines) == 0) && !json_is_integer(amount))
    cs_refusal_field(err, "lines", FIELD_REQUIRED,
                     "lines, or the amount (incl. VAT) with its vat_amount, are required");
  if (json_is_integer(vat) && json_is_integer(amount) &&
      json_integer_value(vat) > json_integer_value(amount))
    cs_refusal_field(err, "vat_amount", FIELD_INVALID, "must not be more than the amount");
  if (json_is_string(number) && json_string_length(number) == 0)
    cs_refusal_field(err, "invoice_number", FIELD_REQUIRED, "must not be empty");
  if (issued != NULL && due != NULL && strcmp(due, issued) < 0)
    cs_refusal_field(err, "due_on", FIELD_INVALID, "must not be before issued_on");
  /* both given: they must say the same */
  struct money_totals t;
  if (json_array_size(err->errors) == errors && json_array_size(lines) > 0 &&
      json_is_integer(amount) && body_totals(body, &t) == CS_OK &&
      t.incl_vat != json_integer_value(amount))
    cs_refusal_field(err, "amount", FIELD_INVALID, "must be the lines' total incl. VAT");
}

int cases_invoice_submit(PGconn *conn, struct cases_op *op) {
  const json_t *task;
  char currency[4], id[37];
  json_t *doc = NULL;

  if (money_task(op, op->sub_id, &task) != CS_OK) return CS_REFUSED;
  if (!cases_caller_is_internal(op->caller) && !money_is_supplier(op, task))
    return cs_refuse(&op->err, PROBLEM_FORBIDDEN,
                     "only the partner holding the task or the insurer may invoice it");
  if (money_refuse_closed(op) != CS_OK) return CS_REFUSED;
  if (money_fact(op, op->sub_id, "approved_budgets") == 0)
    return cs_refuse(&op->err, PROBLEM_WRONG_STATE,
                     "the task has no approved budget to invoice against");
  if (money_currency(op, currency) != CS_OK) return CS_REFUSED;
  if (cases_op_checking(op)) return CS_OK;

  struct money_line *lines = NULL;
  size_t n = 0;
  struct money_totals totals;
  char *json = NULL;
  const json_t *given = json_object_get(op->body, "lines");
  if (money_lines_compute(json_is_array(given) ? given : NULL, &lines, &n, &totals) != CS_OK ||
      body_totals(op->body, &totals) != CS_OK || (json = money_lines_json(lines, n)) == NULL) {
    free(lines);
    return cs_refuse(&op->err, PROBLEM_INTERNAL, "out of memory");
  }
  free(lines);
  ids_uuid_v4(id);
  long long approved = money_fact(op, op->sub_id, "approved_incl_vat");
  long long before = money_fact(op, op->sub_id, "invoiced_incl_vat");
  long long over = before + totals.incl_vat - approved;
  const struct cases_store_invoice_new in = {.id = id,
                                             .case_id = op->case_id,
                                             .task_id = op->sub_id,
                                             .portal_id = text(op->current, "portal_id"),
                                             .company_id = money_task_company(task),
                                             .currency = currency,
                                             .number = text(op->body, "invoice_number"),
                                             .issued_on = text(op->body, "issued_on"),
                                             .due_on = text(op->body, "due_on"),
                                             .document_ref = text(op->body, "document_ref"),
                                             .created_by = op->caller->sub,
                                             .approved_incl_vat = approved,
                                             .invoiced_before_incl_vat = before,
                                             .over_budget_amount = over > 0 ? over : 0};
  const struct cases_store_totals t = {totals.excl_vat, totals.vat, totals.incl_vat};
  int rc = cases_store_lines_replace(conn, id, json, op->err.sqlstate);
  free(json);
  if (rc != CS_OK || cases_store_invoice_insert(conn, &in, &t, &doc, op->err.sqlstate) != CS_OK ||
      doc == NULL ||
      cases_store_money_refresh(conn, op->case_id, NULL, op->err.sqlstate) != CS_OK) {
    json_decref(doc);
    if (!strcmp(op->err.sqlstate, "23505")) {
      cs_refusal_field(&op->err, "invoice_number", FIELD_NOT_UNIQUE,
                       "this company has an invoice with this number already");
      return cs_refusal_validation(&op->err);
    }
    return cs_refusal_db(&op->err);
  }
  json_t *data = json_pack(
      "{s:O?, s:O?, s:O?, s:O?, s:O?, s:O?}", "company_id", json_object_get(doc, "company_id"),
      "invoice_number", json_object_get(doc, "invoice_number"), "currency",
      json_object_get(doc, "currency"), "total_incl_vat", json_object_get(doc, "total_incl_vat"),
      "over_budget", json_object_get(doc, "over_budget"), "over_budget_amount",
      json_object_get(doc, "over_budget_amount"));
  rc = money_step(conn, op, "invoice.submitted", "invoice_id", NULL, doc, data);
  json_decref(doc);
  if (rc == CS_OK)
    snprintf(op->location, sizeof(op->location), "/v1/cases/%s/invoices/%s", op->case_id, id);
  return rc;
}

static int decide(PGconn *conn, struct cases_op *op, const char *status, const char *reason,
                  const char *type) {
  json_t *doc = NULL;
  if (cases_store_invoice_status(conn, text(op->item, "id"), status, op->caller->sub, reason, &doc,
                                 op->err.sqlstate) != CS_OK ||
      doc == NULL ||
      cases_store_money_refresh(conn, op->case_id, NULL, op->err.sqlstate) != CS_OK) {
    json_decref(doc);
    return cs_refusal_db(&op->err);
  }
  json_t *data = json_pack("{s:O?, s:O?, s:O?}", "company_id", json_object_get(doc, "company_id"),
                           "currency", json_object_get(doc, "currency"), "total_incl_vat",
                           json_object_get(doc, "total_incl_vat"));
  if (reason != NULL) json_object_set_new(data, "reason", json_string(reason));
  int rc = money_step(conn, op, type, "invoice_id", op->item, doc, data);
  json_decref(doc);
  return rc;
}

int cases_invoice_approve(PGconn *conn, struct cases_op *op) {
  long long amount = json_integer_value(json_object_get(op->item, "total_incl_vat"));
  long long over = json_integer_value(json_object_get(op->item, "over_budget_amount"));
  if (money_require_approver(op, &amount) != CS_OK || money_refuse_closed(op) != CS_OK ||
      money_require_status(op, op->item, "submitted", "invoice", "approved") != CS_OK)
    return CS_REFUSED;
  if (over > 0 && !json_is_true(json_object_get(op->body, "accept_over_budget"))) {
    cs_refuse(&op->err, PROBLEM_WRONG_STATE,
              "the invoice exceeds the task's approved budget by %lld; approve it with "
              "accept_over_budget true",
              over);
    op->err.extra = json_pack("{s:I}", "over_budget_amount", (json_int_t)over);
    return CS_REFUSED;
  }
  if (cases_op_checking(op)) return CS_OK;
  return decide(conn, op, "approved", NULL, "invoice.approved");
}

int cases_invoice_reject(PGconn *conn, struct cases_op *op) {
  if (money_require_approver(op, NULL) != CS_OK || money_refuse_closed(op) != CS_OK ||
      money_require_status(op, op->item, "submitted", "invoice", "rejected") != CS_OK)
    return CS_REFUSED;
  if (cases_op_checking(op)) return CS_OK;
  return decide(conn, op, "rejected", text(op->body, "reason"), "invoice.rejected");
}
