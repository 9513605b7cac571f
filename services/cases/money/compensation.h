/* The compensation decision of a case (money/compensation.c): positive or negative, with a
 * comment, made by the insurer or with make_compensation_decision, undone the same way; both
 * are kept in the history and emit compensation.decided / compensation.undone. */
#ifndef CLAIMSUITE_CASES_COMPENSATION_H
#define CLAIMSUITE_CASES_COMPENSATION_H

#include <jansson.h>
#include <libpq-fe.h>

#include "case_op.h"

/* PUT body {decision: positive|negative, comment?}. */
void cases_compensation_rules(const json_t *body, struct cs_refusal *err);
/* PUT /v1/cases/{id}/compensation-decision: the same decision and comment again changes
 * nothing. */
int cases_compensation_decide(PGconn *conn, struct cases_op *op);
/* DELETE /v1/cases/{id}/compensation-decision: 409 when there is none. */
int cases_compensation_undo(PGconn *conn, struct cases_op *op);

#endif
