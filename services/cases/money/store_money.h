/* SQL of the money of a case: budgets, invoices, cash offers, their lines, the compensation
 * decision and the figures of cost control and settlement (money/store_money.c). Writes run in
 * the case's transaction, on its locked row. Every function: CS_OK, or CS_ERR_DB with sqlstate
 * (6 bytes) filled. Documents are the migration's budget_document, invoice_document,
 * cash_offer_document. */
#ifndef CLAIMSUITE_CASES_STORE_MONEY_H
#define CLAIMSUITE_CASES_STORE_MONEY_H

#include <jansson.h>
#include <libpq-fe.h>

/* The totals of a budget or an invoice, as computed by money.h. */
struct cases_store_totals {
  long long excl_vat, vat, incl_vat;
};

/* What each task of case_id has of money: *out a new object keyed by task id of
 * {approved_incl_vat, approved_budgets, open_budget ("draft"|"submitted"|null),
 *  cash_offer ("offered"|"accepted"|null), invoiced_incl_vat (invoices not rejected),
 *  linked_items (budgets, invoices, cash offers and reports of the task, any status)}. */
int cases_store_money_facts(PGconn *conn, const char *case_id, json_t **out, char sqlstate[6]);

/* The item documents of case_id by id (NULL when the case has none with that id). */
int cases_store_budget(PGconn *conn, const char *case_id, const char *id, json_t **doc,
                       char sqlstate[6]);
int cases_store_invoice(PGconn *conn, const char *case_id, const char *id, json_t **doc,
                        char sqlstate[6]);
int cases_store_cash_offer(PGconn *conn, const char *case_id, const char *id, json_t **doc,
                           char sqlstate[6]);

/* The lines of owner_id (a budget or an invoice) replaced by lines_json (money_lines_json). */
int cases_store_lines_replace(PGconn *conn, const char *owner_id, const char *lines_json,
                              char sqlstate[6]);

/* A new draft budget, the task's next revision; *doc its document. */
struct cases_store_budget_new {
  const char *id, *case_id, *task_id, *portal_id, *company_id, *currency, *note;
  const char *created_by, *created_by_company; /* the company may be NULL (an API client) */
};
int cases_store_budget_insert(PGconn *conn, const struct cases_store_budget_new *b,
                              const struct cases_store_totals *t, json_t **doc, char sqlstate[6]);
/* A draft's totals (t NULL: unchanged) and note (set_note: note, NULL clears). */
int cases_store_budget_update(PGconn *conn, const char *id, const struct cases_store_totals *t,
                              int set_note, const char *note, json_t **doc, char sqlstate[6]);
/* Moves a budget to status ("submitted", "approved", "rejected") by actor (reason: rejected
 * only); *doc its document after. */
int cases_store_budget_status(PGconn *conn, const char *id, const char *status, const char *actor,
                              const char *reason, json_t **doc, char sqlstate[6]);

/* A new invoice (submitted), totals and the budget figures it was checked against. */
struct cases_store_invoice_new {
  const char *id, *case_id, *task_id, *portal_id, *company_id, *currency, *number;
  const char *issued_on, *due_on, *document_ref, *created_by; /* the three first may be NULL */
  long long approved_incl_vat, invoiced_before_incl_vat, over_budget_amount;
};
int cases_store_invoice_insert(PGconn *conn, const struct cases_store_invoice_new *in,
                               const struct cases_store_totals *t, json_t **doc, char sqlstate[6]);
int cases_store_invoice_status(PGconn *conn, const char *id, const char *status, const char *actor,
                               const char *reason, json_t **doc, char sqlstate[6]);

/* A new cash offer (offered). work_items_json: [{description, amount}] text ("[]" for a task). */
struct cases_store_offer_new {
  const char *id, *case_id, *task_id, *portal_id, *kind, *currency, *work_items_json, *comment;
  const char *valid_until, *created_by, *created_by_company; /* NULL-able but created_by */
  long long amount;
  int before_budget_approval;
};
int cases_store_offer_insert(PGconn *conn, const struct cases_store_offer_new *o, json_t **doc,
                             char sqlstate[6]);
int cases_store_offer_status(PGconn *conn, const char *id, const char *status, const char *actor,
                             json_t **doc, char sqlstate[6]);

/* After a change of task_id's budgets or invoices: the task's budget indicator (and version
 * when it changes) and the case's counts of budgets and invoices awaiting approval. */
int cases_store_money_refresh(PGconn *conn, const char *case_id, const char *task_id,
                              char sqlstate[6]);

/* The compensation decision of a case: set (decision "positive"|"negative") or cleared
 * (decision NULL). */
int cases_store_compensation(PGconn *conn, const char *case_id, const char *decision,
                             const char *comment, const char *actor, char sqlstate[6]);

/* What a list of a case's items keeps (each member NULL: no filter): the items of company_id's
 * tasks, of task_id, in status, the one item id. */
struct cases_store_money_filter {
  const char *company_id, *task_id, *status, *id;
};
/* Lists of a case in creation order, filtered by f: *items a new array of documents. */
int cases_store_budgets(PGconn *conn, const char *case_id, const struct cases_store_money_filter *f,
                        json_t **items, char sqlstate[6]);
int cases_store_invoices(PGconn *conn, const char *case_id,
                         const struct cases_store_money_filter *f, json_t **items,
                         char sqlstate[6]);
int cases_store_cash_offers(PGconn *conn, const char *case_id,
                            const struct cases_store_money_filter *f, json_t **items,
                            char sqlstate[6]);

/* The figures of cost control per task of case_id (only company_id's tasks unless NULL): *rows
 * a new array of {task_id, task_type, trade, company_id, company_name, status, <figure>_excl_vat,
 * <figure>_incl_vat for submitted, approved, rejected; cash_offered, cash_accepted,
 * invoiced_incl_vat, invoiced_approved_incl_vat} in task order. */
int cases_store_cost_rows(PGconn *conn, const char *case_id, const char *company_id, json_t **rows,
                          char sqlstate[6]);

#endif
