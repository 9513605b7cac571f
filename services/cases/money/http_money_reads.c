/* Routes that read a case's money: GET budgets, invoices and cash offers (lists and one item
 * with its ETag), cost control and the settlement statement. Decoding and answers only; who
 * sees what is money_reads.h's. */
#include <stdlib.h>

#include "cases_routes.h"
#include "http.h"
#include "http_case_op.h"
#include "money_reads.h"
#include "service.h"
#include "status.h"

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

/* Which list a route reads, and its item's path parameter. */
struct list_route {
  enum cases_money_list which;
  const char *param, *what;
};
static const struct list_route budgets = {CASES_MONEY_BUDGETS, "budget_id", "budget"};
static const struct list_route invoices = {CASES_MONEY_INVOICES, "invoice_id", "invoice"};
static const struct list_route offers = {CASES_MONEY_CASH_OFFERS, "offer_id", "cash offer"};

static void callback_list(struct request_ctx *ctx) {
  const struct list_route *route = ctx->route_arg;
  struct cases_caller caller;
  struct cs_refusal err = {0};
  PGconn *conn = NULL;
  const char *case_id;
  json_t *out = NULL;
  if (cases_http_visible_case(ctx, &caller, &conn, &case_id) != CS_OK) return;
  if (cases_money_list(conn, &caller, case_id, route->which,
                       u_map_get(ctx->req->map_url, "task_id"),
                       u_map_get(ctx->req->map_url, "status"), &out, &err) != CS_OK)
    service_refusal_answer(ctx, &err);
  else
    http_json(ctx->resp, 200, out); /* stolen */
  service_db_release(ctx, conn);
  cs_refusal_clear(&err);
  cases_caller_clear(&caller);
}

static void callback_item(struct request_ctx *ctx) {
  const struct list_route *route = ctx->route_arg;
  struct cases_caller caller;
  struct cs_refusal err = {0};
  PGconn *conn = NULL;
  const char *case_id, *id;
  json_t *doc = NULL;
  if (cases_http_visible_case(ctx, &caller, &conn, &case_id) != CS_OK) return;
  if ((id = http_path_uuid(ctx->req, ctx->resp, route->param, route->what)) != NULL) {
    if (cases_money_item(conn, &caller, case_id, route->which, id, &doc, &err) != CS_OK)
      service_refusal_answer(ctx, &err);
    else
      http_json_resource(ctx->resp, 200, doc); /* with its ETag */
  }
  service_db_release(ctx, conn);
  cs_refusal_clear(&err);
  cases_caller_clear(&caller);
}

void cases_money_read_routes(struct service *svc) {
  static const struct {
    const char *pattern;
    void (*fn)(struct request_ctx *);
    const struct list_route *arg;
  } reads[] = {
      {"/v1/cases/:id/budgets", callback_list, &budgets},
      {"/v1/cases/:id/budgets/:budget_id", callback_item, &budgets},
      {"/v1/cases/:id/invoices", callback_list, &invoices},
      {"/v1/cases/:id/invoices/:invoice_id", callback_item, &invoices},
      {"/v1/cases/:id/cash-offers", callback_list, &offers},
      {"/v1/cases/:id/cash-offers/:offer_id", callback_item, &offers},
  };
  static const struct cases_case_route cost_control = {NULL, 0,   NULL, cases_cost_control,
                                                       200,  NULL};
  static const struct cases_case_route settlement = {NULL, 0, NULL, cases_settlement, 200, NULL};
  static const struct service_route_def figures[] = {
      {"GET", "/v1/cases/:id/cost-control", cases_http_case_call, ROUTE_AUTHENTICATED},
      {"GET", "/v1/cases/:id/settlement", cases_http_case_call, ROUTE_AUTHENTICATED},
  };
  service_route_or_exit(svc, &figures[0], &cost_control, "the money of a case");
  service_route_or_exit(svc, &figures[1], &settlement, "the money of a case");
  for (size_t i = 0; i < NFIELDS(reads); i++) {
    const struct service_route_def r = {"GET", reads[i].pattern, reads[i].fn, ROUTE_AUTHENTICATED};
    service_route_or_exit(svc, &r, reads[i].arg, "the money of a case");
  }
}
