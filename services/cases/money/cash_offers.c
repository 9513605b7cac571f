/* The cash offer rules (see cash_offers.h). */
#include "cash_offers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ids.h"
#include "money.h"
#include "money_op.h"
#include "status.h"
#include "store_money.h"

#define MAX_WORK_ITEMS 100

static const char *text(const json_t *o, const char *name) {
  return json_string_value(json_object_get(o, name));
}

static int is(const char *s, const char *want) { return s != NULL && !strcmp(s, want); }

static void work_items_rules(const json_t *items, struct cs_refusal *err) {
  const json_t *item, *v;
  const char *key;
  size_t i;
  char field[64];
  if (!json_is_array(items) || json_array_size(items) == 0) {
    cs_refusal_field(err, "work_items", FIELD_REQUIRED, "must hold at least one work item");
    return;
  }
  if (json_array_size(items) > MAX_WORK_ITEMS) {
    cs_refusal_field(err, "work_items", FIELD_TOO_LONG, "must hold at most 100 work items");
    return;
  }
  json_array_foreach(items, i, item) {
    snprintf(field, sizeof(field), "work_items/%zu", i);
    if (!json_is_object(item)) {
      cs_refusal_field(err, field, FIELD_WRONG_TYPE, "must be an object");
      continue;
    }
    json_object_foreach((json_t *)item, key, v) {
      if (strcmp(key, "description") != 0 && strcmp(key, "amount") != 0) {
        snprintf(field, sizeof(field), "work_items/%zu/%.30s", i, key);
        cs_refusal_field(err, field, FIELD_UNKNOWN_FIELD,
                         "a work item holds only description and amount");
      }
    }
    snprintf(field, sizeof(field), "work_items/%zu/description", i);
    v = json_object_get(item, "description");
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 500)
      cs_refusal_field(err, field, FIELD_REQUIRED, "is required: a string of 1 to 500 bytes");
    snprintf(field, sizeof(field), "work_items/%zu/amount", i);
    money_amount_rule(json_object_get(item, "amount"), field, 1, 0, err);
  }
}

/* The sum of the work items (valid), 0 when there are none. */
static long long work_items_total(const json_t *items) {
  long long sum = 0;
  size_t i;
  const json_t *item;
  json_array_foreach(items, i, item) sum += json_integer_value(json_object_get(item, "amount"));
  return sum;
}

/* The kind of an offer: as the body says, else work_items when it lists some, else task. */
static const char *kind_of(const json_t *body) {
  const json_t *kind = json_object_get(body, "kind");
  if (kind != NULL && !json_is_null(kind)) return json_string_value(kind);
  return json_object_get(body, "work_items") != NULL ? "work_items" : "task";
}

void cases_cash_offer_rules(const json_t *body, struct cs_refusal *err) {
  const char *kind = kind_of(body);
  const json_t *items = json_object_get(body, "work_items");
  const json_t *comment = json_object_get(body, "comment");
  if (kind == NULL) {
    /* the field table named a kind that is no string */
  } else if (is(kind, "task")) {
    if (json_object_get(body, "task_id") == NULL || json_is_null(json_object_get(body, "task_id")))
      cs_refusal_field(err, "task_id", FIELD_REQUIRED, "is required for a task's cash offer");
    money_amount_rule(json_object_get(body, "amount"), "amount", 1, 0, err);
    if (items != NULL)
      cs_refusal_field(err, "work_items", FIELD_INVALID, "belong to kind work_items only");
  } else if (is(kind, "work_items")) {
    work_items_rules(items, err);
    const json_t *amount = json_object_get(body, "amount");
    money_amount_rule(amount, "amount", 0, 0, err);
    if (json_is_integer(amount) && json_is_array(items) &&
        json_integer_value(amount) != work_items_total(items))
      cs_refusal_field(err, "amount", FIELD_INVALID, "must be the sum of the work items' amounts");
  } else {
    cs_refusal_field(err, "kind", FIELD_NOT_ALLOWED, "must be task or work_items");
  }
  if (json_is_string(comment) && json_string_length(comment) > 2000)
    cs_refusal_field(err, "comment", FIELD_TOO_LONG, "must be at most 2000 bytes long");
}

/* The right a partner user needs for this offer (cash_offers.h); *before whether the task's
 * budget is not yet approved. */
static const char *right_for(const struct cases_op *op, const char *kind, const char *task_id,
                             int *before) {
  *before = task_id != NULL && money_fact(op, task_id, "approved_budgets") == 0;
  if (is(kind, "task"))
    return *before ? "cash_offer_before_budget_approval" : "cash_offer_all_tasks";
  return *before ? "cash_offer_wi_before_budget_approval" : "cash_offer_all_tasks";
}

int cases_cash_offer_make(PGconn *conn, struct cases_op *op) {
  const char *kind = kind_of(op->body), *task_id = text(op->body, "task_id");
  const json_t *task = NULL, *items = json_object_get(op->body, "work_items");
  char currency[4], id[37];
  int before;
  json_t *doc = NULL;

  if (task_id != NULL && money_task(op, task_id, &task) != CS_OK) {
    cs_refusal_clear(&op->err);
    cs_refusal_field(&op->err, "task_id", FIELD_NOT_FOUND, "is not a task of this case");
    return cs_refusal_validation(&op->err);
  }
  const char *right = right_for(op, kind, task_id, &before);
  if (!cases_caller_is_internal(op->caller) && cases_require(op, right, NULL) != CS_OK)
    return CS_REFUSED;
  if (money_refuse_closed(op) != CS_OK) return CS_REFUSED;
  if (is(kind, "task") && json_is_string(json_object_get(money_facts(op, task_id), "cash_offer")))
    return cs_refuse(&op->err, PROBLEM_WRONG_STATE, "the task has a cash offer already (%s)",
                     text(money_facts(op, task_id), "cash_offer"));
  if (money_currency(op, currency) != CS_OK) return CS_REFUSED;
  if (cases_op_checking(op)) return CS_OK;

  ids_uuid_v4(id);
  long long amount = is(kind, "task") ? json_integer_value(json_object_get(op->body, "amount"))
                                      : work_items_total(items);
  char *items_json = json_is_array(items) ? json_dumps(items, JSON_COMPACT) : NULL;
  const struct cases_store_offer_new o = {
      .id = id,
      .case_id = op->case_id,
      .task_id = task_id,
      .portal_id = text(op->current, "portal_id"),
      .kind = kind,
      .currency = currency,
      .work_items_json = items_json != NULL ? items_json : "[]",
      .comment = text(op->body, "comment"),
      .valid_until = text(op->body, "valid_until"),
      .created_by = op->caller->sub,
      .created_by_company = op->caller->is_client ? NULL : op->caller->company_id,
      .amount = amount,
      .before_budget_approval = before};
  int rc = cases_store_offer_insert(conn, &o, &doc, op->err.sqlstate);
  free(items_json);
  if (rc != CS_OK || doc == NULL) return cs_refusal_db(&op->err);
  json_t *data = json_pack(
      "{s:s, s:O?, s:O?, s:O?, s:O?}", "kind", kind, "currency", json_object_get(doc, "currency"),
      "amount", json_object_get(doc, "amount"), "work_items", json_object_get(doc, "work_items"),
      "valid_until", json_object_get(doc, "valid_until"));
  rc = money_step(conn, op, "cash_offer.made", "offer_id", NULL, doc, data);
  json_decref(doc);
  if (rc == CS_OK)
    snprintf(op->location, sizeof(op->location), "/v1/cases/%s/cash-offers/%s", op->case_id, id);
  return rc;
}

/* The insurer, or a user of the company that made the offer. */
static int may_answer(struct cases_op *op, const char *what) {
  const char *maker = text(op->item, "created_by_company");
  if (cases_caller_is_internal(op->caller) ||
      (!op->caller->is_client && is(maker, op->caller->company_id)))
    return CS_OK;
  return cs_refuse(&op->err, PROBLEM_FORBIDDEN,
                   "only the insurer or the company that made the offer may %s it", what);
}

static int answer(PGconn *conn, struct cases_op *op, const char *status, const char *verb,
                  const char *type) {
  json_t *doc = NULL;
  if (may_answer(op, verb) != CS_OK || money_refuse_closed(op) != CS_OK ||
      money_require_status(op, op->item, "offered", "cash offer", status) != CS_OK)
    return CS_REFUSED;
  if (cases_op_checking(op)) return CS_OK;
  if (cases_store_offer_status(conn, text(op->item, "id"), status, op->caller->sub, &doc,
                               op->err.sqlstate) != CS_OK ||
      doc == NULL)
    return cs_refusal_db(&op->err);
  json_t *data =
      json_pack("{s:O?, s:O?, s:O?}", "kind", json_object_get(doc, "kind"), "currency",
                json_object_get(doc, "currency"), "amount", json_object_get(doc, "amount"));
  int rc = money_step(conn, op, type, "offer_id", op->item, doc, data);
  json_decref(doc);
  return rc;
}

int cases_cash_offer_accept(PGconn *conn, struct cases_op *op) {
  return answer(conn, op, "accepted", "accept", "cash_offer.accepted");
}

int cases_cash_offer_decline(PGconn *conn, struct cases_op *op) {
  return answer(conn, op, "declined", "decline", "cash_offer.declined");
}

int cases_cash_offer_withdraw(PGconn *conn, struct cases_op *op) {
  return answer(conn, op, "withdrawn", "withdraw", "cash_offer.withdrawn");
}
