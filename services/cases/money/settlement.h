/* The figures of cost control and the customer settlement statement, computed from what the
 * store read (money/settlement.c). Pure: tests/unit/test_money.c includes the file.
 *
 * Settlement rule (stated in the OpenAPI): a task's approved cost is its approved invoices when
 * it has any, else its approved budgets (incl. VAT), paid to the partner holding it; accepted
 * cash offers are paid to the customer. The policy's deductible (the case's deductible, at
 * most the whole compensation) is first kept from the cash paid to the customer; what remains of
 * it the customer pays to the partners, largest approved cost first, and the insurer pays the
 * partners the rest. A negative compensation decision: the insurer pays nothing. */
#ifndef CLAIMSUITE_CASES_SETTLEMENT_H
#define CLAIMSUITE_CASES_SETTLEMENT_H

#include <jansson.h>

/* rows: cases_store_cost_rows; offers: every cash offer of the case, or NULL for a view
 * scoped to one company (then the work items without a task are not shown). A new document. */
json_t *cases_cost_control_document(const char *case_id, const char *currency, const json_t *rows,
                                    const json_t *offers);
/* the_case: its document; rows: cases_store_cost_rows of every task; accepted: the accepted
 * cash offers. A new document. */
json_t *cases_settlement_document(const json_t *the_case, const char *currency, const json_t *rows,
                                  const json_t *accepted);

#endif
