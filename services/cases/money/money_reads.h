/* The reads of a case's money (money/money_reads.c): the lists of budgets, invoices and cash
 * offers, cost control and the customer settlement statement. Who sees what:
 *   - the insurer (users and API clients) sees all of it;
 *   - a partner user sees the items of its own company's tasks, and all of them where one of
 *     its case roles holds a right that needs them: approve_budget (the cost control tab),
 *     add_budget_for_other_partners (budgets), the cash offer rights (cash offers);
 *   - the settlement statement is the insurer's and approve_budget's or
 *     make_compensation_decision's (403 otherwise).
 * Every function takes a case visible to the caller and a pooled connection (borrowed) and
 * answers a new JSON document (*out) or a refusal in err; cost control and the settlement have
 * the shape of a call on a case (cases_case_fn in core/http_case_op.h; they take no body). */
#ifndef CLAIMSUITE_CASES_MONEY_READS_H
#define CLAIMSUITE_CASES_MONEY_READS_H

#include <libpq-fe.h>

#include "caller.h"
#include "refusal.h"

enum cases_money_list { CASES_MONEY_BUDGETS, CASES_MONEY_INVOICES, CASES_MONEY_CASH_OFFERS };

/* The list's items of the case, filtered by task_id and status when not NULL (checked here:
 * 400 invalid-parameter). */
int cases_money_list(PGconn *conn, const struct cases_caller *c, const char *case_id,
                     enum cases_money_list which, const char *task_id, const char *status,
                     json_t **out, struct cs_refusal *err);
/* One item of the list by id as a document (*doc new; 404 when the caller may not see it). */
int cases_money_item(PGconn *conn, const struct cases_caller *c, const char *case_id,
                     enum cases_money_list which, const char *id, json_t **doc,
                     struct cs_refusal *err);
/* GET /v1/cases/{id}/cost-control. */
int cases_cost_control(PGconn *conn, const struct cases_caller *c, const char *case_id,
                       const json_t *body, json_t **out, struct cs_refusal *err);
/* GET /v1/cases/{id}/settlement. */
int cases_settlement(PGconn *conn, const struct cases_caller *c, const char *case_id,
                     const json_t *body, json_t **out, struct cs_refusal *err);

#endif
