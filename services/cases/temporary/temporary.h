/* Temporary cases (temporary/temporary.c): a partner office the insurer permits (the office's
 * setting never | outside_office_hours | always, from the authority replica) opens a case out
 * of office hours or in a catastrophe. Outside office hours is before the portal's start or
 * from its end on an office day, any day that is not an office day, and the portal's public
 * holidays, in the portal's time zone. The case gets a claim number TEMPORARY-000123, or with
 * the portal's enhanced temporary cases one the partner gives, and a first-aid task at the
 * office that opened it, which can be reported on at once; with enhanced temporary cases the
 * partner may also give tasks to other partners' offices. The insurer then converts it into an
 * ordinary case (claim number, case handler) or connects it to one of its cases: everything of
 * the temporary case moves there in one transaction, and the temporary case is closed.
 * Events: temporary_case.created, temporary_case.converted, temporary_case.connected. */
#ifndef CLAIMSUITE_CASES_TEMPORARY_H
#define CLAIMSUITE_CASES_TEMPORARY_H

#include <jansson.h>
#include <libpq-fe.h>

#include "case_op.h"

#define TEMPORARY_MAX_TASKS 10

/* POST /v1/temporary-cases {damage_type, damage_date, address, contacts?, description?,
 * office_id?, claim_number?, tasks?}: the body's own rules. */
void cases_temporary_rules(const json_t *body, struct cs_refusal *err);
/* The create, in the two phases of case_op.h (op->current a stand-in until the case exists);
 * op->result is the new case. */
int cases_temporary_create(PGconn *conn, struct cases_op *op);
/* POST /v1/cases/{id}/convert {claim_number, case_handler_id}: the insurer. */
void cases_temporary_convert_rules(const json_t *body, struct cs_refusal *err);
int cases_temporary_convert(PGconn *conn, struct cases_op *op);
/* POST /v1/cases/{id}/connect {target_case_id}: the insurer; the target an open ordinary case
 * of the portal. */
int cases_temporary_connect(PGconn *conn, struct cases_op *op);

#endif
