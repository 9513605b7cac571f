/* Routes of the money of a case that change it: budgets, invoices, cash offers and the
 * compensation decision, each run through cases_http_case_op on the case's row. An item's
 * route answers the item's document with its ETag; If-Match, when sent, must match it. No SQL
 * and no rules here (budgets.h, invoices.h, cash_offers.h, compensation.h). */
#include "budgets.h"
#include "cases_routes.h"
#include "cash_offers.h"
#include "compensation.h"
#include "http.h"
#include "http_case_op.h"
#include "invoices.h"
#include "store_money.h"

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

static const struct cases_op_item budget = {"budget_id", "budget", cases_store_budget};
static const struct cases_op_item invoice = {"invoice_id", "invoice", cases_store_invoice};
static const struct cases_op_item offer = {"offer_id", "cash offer", cases_store_cash_offer};

static const struct http_field budget_fields[] = {
    {"lines", HTTP_FIELD_ARRAY, 0, 0},
    {"note", HTTP_FIELD_STRING, 0, 0},
};
static const struct http_field reason_fields[] = {{"reason", HTTP_FIELD_STRING, 1, 2000}};
static const struct http_field invoice_fields[] = {
    {"invoice_number", HTTP_FIELD_STRING, 1, 60}, {"lines", HTTP_FIELD_ARRAY, 0, 0},
    {"amount", HTTP_FIELD_INTEGER, 0, 0},         {"vat_amount", HTTP_FIELD_INTEGER, 0, 0},
    {"issued_on", HTTP_FIELD_DATE, 0, 0},         {"due_on", HTTP_FIELD_DATE, 0, 0},
    {"document_ref", HTTP_FIELD_STRING, 0, 500},
};
static const struct http_field invoice_approve_fields[] = {
    {"accept_over_budget", HTTP_FIELD_BOOLEAN, 0, 0}};
static const struct http_field offer_fields[] = {
    {"kind", HTTP_FIELD_STRING, 0, 20},   {"task_id", HTTP_FIELD_UUID, 0, 0},
    {"amount", HTTP_FIELD_INTEGER, 0, 0}, {"work_items", HTTP_FIELD_ARRAY, 0, 0},
    {"comment", HTTP_FIELD_STRING, 0, 0}, {"valid_until", HTTP_FIELD_DATE, 0, 0},
};
static const struct http_field compensation_fields[] = {
    {"decision", HTTP_FIELD_STRING, 1, 20},
    {"comment", HTTP_FIELD_STRING, 0, 0},
};

#define ITEM (CASES_OP_IF_MATCH | CASES_OP_MONEY)
#define CREATE (CASES_OP_BODY | CASES_OP_MONEY | CASES_OP_IDEMPOTENT)

static const struct cases_op_route routes[] = {
    {"POST", "/v1/cases/:id/tasks/:task_id/budgets", budget_fields, NFIELDS(budget_fields),
     cases_budget_create_rules, CREATE, cases_budget_create, 201, NULL},
    {"PATCH", "/v1/cases/:id/budgets/:budget_id", budget_fields, NFIELDS(budget_fields),
     cases_budget_patch_rules, ITEM | CASES_OP_BODY, cases_budget_patch, 200, &budget},
    {"POST", "/v1/cases/:id/budgets/:budget_id/submit", NULL, 0, NULL, ITEM, cases_budget_submit,
     200, &budget},
    {"POST", "/v1/cases/:id/budgets/:budget_id/approve", NULL, 0, NULL, ITEM, cases_budget_approve,
     200, &budget},
    {"POST", "/v1/cases/:id/budgets/:budget_id/reject", reason_fields, 1, cases_reason_rules,
     ITEM | CASES_OP_BODY, cases_budget_reject, 200, &budget},

    {"POST", "/v1/cases/:id/tasks/:task_id/invoices", invoice_fields, NFIELDS(invoice_fields),
     cases_invoice_rules, CREATE, cases_invoice_submit, 201, NULL},
    {"POST", "/v1/cases/:id/invoices/:invoice_id/approve", invoice_approve_fields, 1, NULL,
     ITEM | CASES_OP_OPTIONAL_BODY, cases_invoice_approve, 200, &invoice},
    {"POST", "/v1/cases/:id/invoices/:invoice_id/reject", reason_fields, 1, cases_reason_rules,
     ITEM | CASES_OP_BODY, cases_invoice_reject, 200, &invoice},

    {"POST", "/v1/cases/:id/cash-offers", offer_fields, NFIELDS(offer_fields),
     cases_cash_offer_rules, CREATE, cases_cash_offer_make, 201, NULL},
    {"POST", "/v1/cases/:id/cash-offers/:offer_id/accept", NULL, 0, NULL, ITEM,
     cases_cash_offer_accept, 200, &offer},
    {"POST", "/v1/cases/:id/cash-offers/:offer_id/decline", NULL, 0, NULL, ITEM,
     cases_cash_offer_decline, 200, &offer},
    {"POST", "/v1/cases/:id/cash-offers/:offer_id/withdraw", NULL, 0, NULL, ITEM,
     cases_cash_offer_withdraw, 200, &offer},

    {"PUT", "/v1/cases/:id/compensation-decision", compensation_fields,
     NFIELDS(compensation_fields), cases_compensation_rules, CASES_OP_BODY | CASES_OP_IF_MATCH,
     cases_compensation_decide, 200, NULL},
    {"DELETE", "/v1/cases/:id/compensation-decision", NULL, 0, NULL, CASES_OP_IF_MATCH,
     cases_compensation_undo, 200, NULL},
};

void cases_money_routes(struct service *svc) {
  cases_http_op_routes(svc, routes, NFIELDS(routes), "the money of a case");
  cases_money_read_routes(svc);
}
