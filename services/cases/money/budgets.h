/* Budgets of a task (money/budgets.c): drafted by the partner holding the task (or, with
 * add_budget_for_other_partners, by an external case handler for another partner's task where no
 * cash offer is used), submitted (the task shows B), then approved within the approver's limit
 * (B++) or rejected with a reason, after which a new revision may be drafted. One budget of a
 * task is worked on (draft or submitted) at a time; approved budgets of a task add up.
 * Each step is a cases_op function (case_op.h) of an item route (http_case_op.h), answered with
 * the budget's document; each leaves one history line and one event. */
#ifndef CLAIMSUITE_CASES_BUDGETS_H
#define CLAIMSUITE_CASES_BUDGETS_H

#include <jansson.h>
#include <libpq-fe.h>

#include "case_op.h"

/* Body rules: POST {lines?, note?}, PATCH {lines?, note?} (one at least), reject {reason}. */
void cases_budget_create_rules(const json_t *body, struct cs_refusal *err);
void cases_budget_patch_rules(const json_t *body, struct cs_refusal *err);
void cases_reason_rules(const json_t *body, struct cs_refusal *err);

/* POST /v1/cases/{id}/tasks/{task_id}/budgets: a new draft of the task (op->sub_id). */
int cases_budget_create(PGconn *conn, struct cases_op *op);
/* PATCH .../budgets/{budget_id}: a draft's lines (replaced whole) and note. */
int cases_budget_patch(PGconn *conn, struct cases_op *op);
/* POST .../budgets/{budget_id}/submit: draft -> submitted (at least one line). */
int cases_budget_submit(PGconn *conn, struct cases_op *op);
/* POST .../approve: submitted -> approved; approve_budget within the limit for its total incl.
 * VAT; not by the user who submitted it. */
int cases_budget_approve(PGconn *conn, struct cases_op *op);
/* POST .../reject {reason}: submitted -> rejected; approve_budget. */
int cases_budget_reject(PGconn *conn, struct cases_op *op);

#endif
