/* Cash offers (iCC) of a case (money/cash_offers.c): the customer is offered money instead of
 * a partner's work on a task ("task"), or for work items the customer does themself
 * ("work_items", with or without a task). While it stands, the insurer or the company that made
 * it records the customer's answer (accept, decline) or withdraws it. The rights of a partner
 * user (a user of the insurer needs none):
 *   a task whose budget is approved, or work items of one (or of no task): cash_offer_all_tasks
 *   a task before its budget is approved:          cash_offer_before_budget_approval
 *   work items of a task before its budget is approved: cash_offer_wi_before_budget_approval
 * A task is offered once at a time (offered or accepted). Each step leaves one history line and
 * one event (cash_offer.made, .accepted, .declined, .withdrawn). */
#ifndef CLAIMSUITE_CASES_CASH_OFFERS_H
#define CLAIMSUITE_CASES_CASH_OFFERS_H

#include <jansson.h>
#include <libpq-fe.h>

#include "case_op.h"

/* POST body {kind?, task_id?, amount?, work_items?, comment?, valid_until?}: without kind, an
 * offer of work items when it lists some, else of the task. */
void cases_cash_offer_rules(const json_t *body, struct cs_refusal *err);
/* POST /v1/cases/{id}/cash-offers. */
int cases_cash_offer_make(PGconn *conn, struct cases_op *op);
/* POST .../cash-offers/{offer_id}/accept|decline|withdraw: from offered only. */
int cases_cash_offer_accept(PGconn *conn, struct cases_op *op);
int cases_cash_offer_decline(PGconn *conn, struct cases_op *op);
int cases_cash_offer_withdraw(PGconn *conn, struct cases_op *op);

#endif
