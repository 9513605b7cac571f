/* Invoices of a task against what was approved for it (money/invoices.c): the partner holding
 * the task (or the insurer for it) submits one with its lines once the task has an approved
 * budget; an invoice that takes the task's invoicing above its approved budgets is flagged
 * (over_budget, over_budget_amount) and is approved only with accept_over_budget. Approved or
 * rejected (with a reason) by the insurer and by holders of approve_budget within their limit.
 * Events invoice.submitted, invoice.approved, invoice.rejected. */
#ifndef CLAIMSUITE_CASES_INVOICES_H
#define CLAIMSUITE_CASES_INVOICES_H

#include <jansson.h>
#include <libpq-fe.h>

#include "case_op.h"

/* POST body {invoice_number, lines? | amount (incl. VAT) and vat_amount?, issued_on?, due_on?,
 * document_ref?}: its lines, or its totals alone (an invoice read from a core system); both
 * given, the amount must be the lines' total. */
void cases_invoice_rules(const json_t *body, struct cs_refusal *err);
/* POST /v1/cases/{id}/tasks/{task_id}/invoices. */
int cases_invoice_submit(PGconn *conn, struct cases_op *op);
/* POST .../invoices/{invoice_id}/approve {accept_over_budget?}. */
int cases_invoice_approve(PGconn *conn, struct cases_op *op);
/* POST .../invoices/{invoice_id}/reject {reason}. */
int cases_invoice_reject(PGconn *conn, struct cases_op *op);

#endif
