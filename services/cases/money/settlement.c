/* Cost control and the settlement statement (see settlement.h). */
#include "settlement.h"

#include <stdlib.h>
#include <string.h>

static long long num(const json_t *o, const char *name) {
  const json_t *v = json_object_get(o, name);
  if (json_is_integer(v)) return (long long)json_integer_value(v);
  if (json_is_real(v)) return (long long)json_real_value(v); /* a numeric sum of integers */
  return 0;
}

static const char *text(const json_t *o, const char *name) {
  return json_string_value(json_object_get(o, name));
}

/* The figures of cost control, summed over rows. */
static const char *const figures[] = {
    "submitted_excl_vat", "submitted_incl_vat", "approved_excl_vat", "approved_incl_vat",
    "rejected_excl_vat",  "rejected_incl_vat",  "budgeted_excl_vat", "budgeted_incl_vat",
    "cash_offered",       "cash_accepted",      "invoiced_incl_vat", "invoiced_approved_incl_vat"};
#define NFIGURES (sizeof(figures) / sizeof(figures[0]))

json_t *cases_cost_control_document(const char *case_id, const char *currency, const json_t *rows,
                                    const json_t *offers) {
  long long sums[NFIGURES] = {0};
  json_t *tasks = json_array(), *totals = json_object();
  const json_t *row, *offer;
  size_t i;
  long long wi_offered = 0, wi_accepted = 0;

  json_array_foreach(rows, i, row) {
    json_t *t = json_deep_copy(row);
    /* budgeted: what the task's budgets stand at, waiting or approved */
    json_object_set_new(
        t, "budgeted_excl_vat",
        json_integer(num(row, "submitted_excl_vat") + num(row, "approved_excl_vat")));
    json_object_set_new(
        t, "budgeted_incl_vat",
        json_integer(num(row, "submitted_incl_vat") + num(row, "approved_incl_vat")));
    for (size_t f = 0; f < NFIGURES; f++) {
      json_object_set_new(t, figures[f], json_integer(num(t, figures[f])));
      sums[f] += num(t, figures[f]);
    }
    json_array_append_new(tasks, t);
  }
  json_array_foreach(offers, i, offer) { /* work items of no task: the customer's own work */
    if (json_is_string(json_object_get(offer, "task_id"))) continue;
    const char *status = text(offer, "status");
    if (status != NULL && !strcmp(status, "offered")) wi_offered += num(offer, "amount");
    if (status != NULL && !strcmp(status, "accepted")) wi_accepted += num(offer, "amount");
  }
  for (size_t f = 0; f < NFIGURES; f++)
    json_object_set_new(totals, figures[f], json_integer(sums[f]));
  json_object_set_new(totals, "cash_offered", json_integer(sums[8] + wi_offered));
  json_object_set_new(totals, "cash_accepted", json_integer(sums[9] + wi_accepted));
  return json_pack("{s:s, s:s, s:o, s:o?, s:o}", "case_id", case_id, "currency", currency, "tasks",
                   tasks, "work_items_without_task",
                   offers != NULL ? json_pack("{s:I, s:I}", "cash_offered", (json_int_t)wi_offered,
                                              "cash_accepted", (json_int_t)wi_accepted)
                                  : NULL,
                   "totals", totals);
}

/* One partner payee: a company and what it is owed. */
struct payee {
  const json_t *row; /* its first task's row (company_id, company_name), borrowed */
  long long amount, by_customer;
};

static int by_amount_desc(const void *a, const void *b) {
  const struct payee *x = a, *y = b;
  return x->amount < y->amount ? 1 : x->amount > y->amount ? -1 : 0;
}

json_t *cases_settlement_document(const json_t *the_case, const char *currency, const json_t *rows,
                                  const json_t *accepted) {
  const json_t *row, *offer;
  size_t i, npayees = 0;
  long long costs = 0, cash = 0;
  const char *decision = text(json_object_get(the_case, "compensation_decision"), "decision");
  int negative = decision != NULL && !strcmp(decision, "negative");
  json_t *cost_lines = json_array(), *cash_lines = json_array(), *payments = json_array();
  struct payee *payees = calloc(json_array_size(rows) + 1, sizeof(*payees));

  json_array_foreach(rows, i, row) {
    long long invoiced = num(row, "invoiced_approved_incl_vat");
    long long amount = invoiced > 0 ? invoiced : num(row, "approved_incl_vat");
    const char *company = text(row, "company_id");
    if (amount == 0 || company == NULL) continue;
    json_array_append_new(
        cost_lines,
        json_pack("{s:O, s:O, s:O, s:O, s:O, s:s, s:I}", "task_id", json_object_get(row, "task_id"),
                  "task_type", json_object_get(row, "task_type"), "trade",
                  json_object_get(row, "trade"), "company_id", json_object_get(row, "company_id"),
                  "company_name", json_object_get(row, "company_name"), "basis",
                  invoiced > 0 ? "approved_invoices" : "approved_budgets", "amount_incl_vat",
                  (json_int_t)amount));
    costs += amount;
    size_t p = 0;
    while (p < npayees && strcmp(text(payees[p].row, "company_id"), company) != 0) p++;
    if (p == npayees) payees[npayees++].row = row;
    payees[p].amount += amount;
  }
  json_array_foreach(accepted, i, offer) {
    cash += num(offer, "amount");
    json_array_append_new(
        cash_lines,
        json_pack("{s:O, s:O, s:O, s:O}", "offer_id", json_object_get(offer, "id"), "kind",
                  json_object_get(offer, "kind"), "task_id", json_object_get(offer, "task_id"),
                  "amount", json_object_get(offer, "amount")));
  }

  long long total = costs + cash, deductible = num(the_case, "deductible");
  long long applied = negative ? 0 : (deductible < total ? deductible : total);
  long long from_cash = applied < cash ? applied : cash, left = applied - from_cash;
  long long insurer_pays = 0;
  qsort(payees, npayees, sizeof(*payees), by_amount_desc);
  for (size_t p = 0; p < npayees; p++) {
    payees[p].by_customer = left < payees[p].amount ? left : payees[p].amount;
    left -= payees[p].by_customer;
    long long by_insurer = negative ? 0 : payees[p].amount - payees[p].by_customer;
    insurer_pays += by_insurer;
    json_array_append_new(
        payments,
        json_pack("{s:s, s:O, s:O, s:I, s:I, s:I}", "payee", "partner", "company_id",
                  json_object_get(payees[p].row, "company_id"), "company_name",
                  json_object_get(payees[p].row, "company_name"), "amount",
                  (json_int_t)payees[p].amount, "paid_by_insurer", (json_int_t)by_insurer,
                  "paid_by_customer", (json_int_t)(negative ? 0 : payees[p].by_customer)));
  }
  long long to_customer = negative ? 0 : cash - from_cash;
  insurer_pays += to_customer;
  if (cash > 0)
    json_array_append_new(
        payments,
        json_pack("{s:s, s:I, s:I, s:I}", "payee", "customer", "amount", (json_int_t)cash,
                  "paid_by_insurer", (json_int_t)to_customer, "paid_by_customer", (json_int_t)0));
  free(payees);
  return json_pack("{s:O, s:O, s:s, s:O, s:I, s:o, s:o, s:{s:I, s:I, s:I, s:I, s:I}, s:o}",
                   "case_id", json_object_get(the_case, "id"), "claim_number",
                   json_object_get(the_case, "claim_number"), "currency", currency,
                   "compensation_decision", json_object_get(the_case, "compensation_decision"),
                   "deductible", (json_int_t)deductible, "approved_costs", cost_lines,
                   "cash_offers", cash_lines, "totals", "approved_costs", (json_int_t)costs,
                   "cash_offers", (json_int_t)cash, "compensation", (json_int_t)total,
                   "deductible_applied", (json_int_t)applied, "paid_by_insurer",
                   (json_int_t)insurer_pays, "payments", payments);
}
