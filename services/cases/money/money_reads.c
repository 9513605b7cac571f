/* The reads of a case's money (see money_reads.h). */
#include "money_reads.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_op.h"
#include "db_json.h"
#include "ids.h"
#include "money_op.h"
#include "policy_facts.h"
#include "settlement.h"
#include "status.h"
#include "store_core.h"
#include "store_money.h"

/* The company scope of the caller's view: NULL (all) or the caller's company. */
static int view_scope(PGconn *conn, const struct cases_caller *c, const char *case_id,
                      const char *const *actions, const char **scope, struct cs_refusal *err) {
  int held = 0;
  *scope = NULL;
  if (cases_caller_is_internal(c)) return CS_OK;
  if (cases_holds_any(conn, c, case_id, actions, &held, err) != CS_OK) return CS_REFUSED;
  if (!held) *scope = c->company_id;
  return CS_OK;
}

static const char *const budget_rights[] = {"approve_budget", "add_budget_for_other_partners",
                                            NULL};
static const char *const invoice_rights[] = {"approve_budget", NULL};
static const char *const offer_rights[] = {"cash_offer_all_tasks",
                                           "cash_offer_before_budget_approval",
                                           "cash_offer_wi_before_budget_approval", NULL};
static const char *const cost_rights[] = {"approve_budget", NULL};
static const char *const settlement_rights[] = {"approve_budget", "make_compensation_decision",
                                                NULL};

static const char *const *rights_of(enum cases_money_list which) {
  switch (which) {
    case CASES_MONEY_BUDGETS: return budget_rights;
    case CASES_MONEY_INVOICES: return invoice_rights;
    default: return offer_rights;
  }
}

static int status_known(enum cases_money_list which, const char *s) {
  static const char *const budgets[] = {"draft", "submitted", "approved", "rejected", NULL};
  static const char *const invoices[] = {"submitted", "approved", "rejected", NULL};
  static const char *const offers[] = {"offered", "accepted", "declined", "withdrawn", NULL};
  const char *const *known = which == CASES_MONEY_BUDGETS    ? budgets
                             : which == CASES_MONEY_INVOICES ? invoices
                                                             : offers;
  for (size_t i = 0; known[i] != NULL; i++)
    if (!strcmp(known[i], s)) return 1;
  return 0;
}

static int list_of(PGconn *conn, enum cases_money_list which, const char *case_id,
                   const struct cases_store_money_filter *f, json_t **items, char sqlstate[6]) {
  switch (which) {
    case CASES_MONEY_BUDGETS: return cases_store_budgets(conn, case_id, f, items, sqlstate);
    case CASES_MONEY_INVOICES: return cases_store_invoices(conn, case_id, f, items, sqlstate);
    default: return cases_store_cash_offers(conn, case_id, f, items, sqlstate);
  }
}

int cases_money_list(PGconn *conn, const struct cases_caller *c, const char *case_id,
                     enum cases_money_list which, const char *task_id, const char *status,
                     json_t **out, struct cs_refusal *err) {
  const char *scope;
  json_t *items = NULL;
  if (task_id != NULL && !ids_is_uuid(task_id))
    return cs_refuse(err, PROBLEM_INVALID_PARAMETER, "task_id must be a UUID");
  if (status != NULL && !status_known(which, status))
    return cs_refuse(err, PROBLEM_INVALID_PARAMETER, "status %s is not one of this list's", status);
  if (view_scope(conn, c, case_id, rights_of(which), &scope, err) != CS_OK) return CS_REFUSED;
  const struct cases_store_money_filter f = {scope, task_id, status, NULL};
  if (list_of(conn, which, case_id, &f, &items, err->sqlstate) != CS_OK) return cs_refusal_db(err);
  /* a case's own items are few: one page, in the shape of every list */
  *out = json_pack("{s:o, s:n}", "items", items, "next_cursor");
  return CS_OK;
}

int cases_money_item(PGconn *conn, const struct cases_caller *c, const char *case_id,
                     enum cases_money_list which, const char *id, json_t **doc,
                     struct cs_refusal *err) {
  const char *scope;
  json_t *items = NULL;
  *doc = NULL;
  if (view_scope(conn, c, case_id, rights_of(which), &scope, err) != CS_OK) return CS_REFUSED;
  const struct cases_store_money_filter f = {scope, NULL, NULL, id}; /* the one item, if seen */
  if (list_of(conn, which, case_id, &f, &items, err->sqlstate) != CS_OK) return cs_refusal_db(err);
  *doc = json_incref(json_array_get(items, 0));
  json_decref(items);
  if (*doc == NULL) return cs_refuse(err, PROBLEM_NOT_FOUND, "no such item in this case");
  return CS_OK;
}

/* The portal's currency from the replica ("SEK" when it has none). */
static int currency_of(PGconn *conn, const struct cases_caller *c, char cur[4],
                       struct cs_refusal *err) {
  json_t *portal = NULL;
  if (cases_policy_portal(conn, c->portal_id, &portal) != CS_OK) return cases_policy_failed(err);
  money_portal_currency(portal, cur);
  json_decref(portal);
  return CS_OK;
}

int cases_cost_control(PGconn *conn, const struct cases_caller *c, const char *case_id,
                       const json_t *body, json_t **out, struct cs_refusal *err) {
  (void)body;
  static const struct cases_store_money_filter all = {NULL, NULL, NULL, NULL};
  const char *scope;
  char currency[4];
  json_t *rows = NULL, *offers = NULL;
  if (view_scope(conn, c, case_id, cost_rights, &scope, err) != CS_OK ||
      currency_of(conn, c, currency, err) != CS_OK)
    return CS_REFUSED;
  if (cases_store_cost_rows(conn, case_id, scope, &rows, err->sqlstate) != CS_OK ||
      (scope == NULL &&
       cases_store_cash_offers(conn, case_id, &all, &offers, err->sqlstate) != CS_OK)) {
    json_decref(rows);
    return cs_refusal_db(err);
  }
  json_t *doc = cases_cost_control_document(case_id, currency, rows, offers);
  json_decref(rows);
  json_decref(offers);
  *out = doc;
  return CS_OK;
}

int cases_settlement(PGconn *conn, const struct cases_caller *c, const char *case_id,
                     const json_t *body, json_t **out, struct cs_refusal *err) {
  (void)body;
  static const struct cases_store_money_filter accepted = {NULL, NULL, "accepted", NULL};
  int held = 0;
  char currency[4];
  json_t *the_case = NULL, *rows = NULL, *offers = NULL;
  if (!cases_caller_is_internal(c)) {
    if (cases_holds_any(conn, c, case_id, settlement_rights, &held, err) != CS_OK)
      return CS_REFUSED;
    if (!held)
      return cs_refuse(err, PROBLEM_FORBIDDEN,
                       "the settlement is the insurer's, approve_budget's or "
                       "make_compensation_decision's");
  }
  if (currency_of(conn, c, currency, err) != CS_OK) return CS_REFUSED;
  if (cases_store_document(conn, case_id, &the_case, err->sqlstate) != CS_OK ||
      cases_store_cost_rows(conn, case_id, NULL, &rows, err->sqlstate) != CS_OK ||
      cases_store_cash_offers(conn, case_id, &accepted, &offers, err->sqlstate) != CS_OK) {
    json_decref(the_case);
    json_decref(rows);
    return cs_refusal_db(err);
  }
  json_t *doc = cases_settlement_document(the_case, currency, rows, offers);
  json_decref(the_case);
  json_decref(rows);
  json_decref(offers);
  *out = doc;
  return CS_OK;
}
