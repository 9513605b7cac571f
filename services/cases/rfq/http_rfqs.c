/* Routes of requests for quotation: the changes on the case's row (create, edit, decide:
 * cases_http_case_op), the reads and a partner's quote (the case need not be visible: the
 * invitation is what opens it), the portal-wide list, and an outside partner's link (public: its
 * token is the credential). Rules in rfqs.c, quotes.c, rfq_reads.c. */
#include <stdio.h>
#include <string.h>

#include "cases_routes.h"
#include "fields.h"
#include "http.h"
#include "http_case_op.h"
#include "paging.h"
#include "rfqs.h"
#include "service.h"
#include "status.h"
#include "store_core.h"
#include "store_rfqs.h"

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

static const struct cases_op_item rfq_item = {"rfq_id", "RFQ", cases_store_rfq};

static const struct http_field create_fields[] = {
    {"task_id", HTTP_FIELD_UUID, 1, 0},
    {"description", HTTP_FIELD_STRING, 1, 0},
    {"due_date", HTTP_FIELD_DATE, 1, 0},
    {"office_ids", HTTP_FIELD_ARRAY, 0, 0},
    {"external_partners", HTTP_FIELD_ARRAY, 0, 0},
};
static const struct http_field edit_fields[] = {
    {"description", HTTP_FIELD_STRING, 0, 0},
    {"due_date", HTTP_FIELD_DATE, 0, 0},
    {"add_office_ids", HTTP_FIELD_ARRAY, 0, 0},
    {"add_external_partners", HTTP_FIELD_ARRAY, 0, 0},
};
static const struct http_field decision_fields[] = {
    {"outcome", HTTP_FIELD_STRING, 1, 20},
    {"quote_id", HTTP_FIELD_UUID, 0, 0},
    {"reason", HTTP_FIELD_STRING, 0, 2000},
};
static const struct http_field quote_fields[] = {
    {"amount", HTTP_FIELD_INTEGER, 1, 0},
    {"description", HTTP_FIELD_STRING, 1, 4000},
    {"valid_until", HTTP_FIELD_DATE, 1, 0},
};

static const struct cases_op_route changes[] = {
    {"POST", "/v1/cases/:id/rfqs", create_fields, NFIELDS(create_fields), cases_rfq_create_rules,
     CASES_OP_BODY | CASES_OP_IDEMPOTENT, cases_rfq_create, 201, NULL},
    {"PATCH", "/v1/cases/:id/rfqs/:rfq_id", edit_fields, NFIELDS(edit_fields), cases_rfq_edit_rules,
     CASES_OP_BODY | CASES_OP_IF_MATCH, cases_rfq_edit, 200, &rfq_item},
    {"POST", "/v1/cases/:id/rfqs/:rfq_id/decision", decision_fields, NFIELDS(decision_fields),
     cases_rfq_decision_rules, CASES_OP_BODY | CASES_OP_IF_MATCH, cases_rfq_decide, 200, &rfq_item},
};

/* ---- a case the caller sees, or is invited to an RFQ of ------------------------------------ */

struct rfq_call {
  struct cases_caller caller;
  PGconn *conn;
  const char *case_id, *rfq_id; /* rfq_id NULL on the case's list */
  int visible;
  struct cs_refusal err;
};

/* Loads the caller, the path's ids and whether the case is visible: CS_OK with a connection
 * held, or answered. Who else may go on is the RFQ's rules' to say. */
static int rfq_call_begin(struct request_ctx *ctx, struct rfq_call *k, int with_rfq) {
  memset(k, 0, sizeof(*k));
  if (cases_http_caller(ctx, &k->caller) != CS_OK) return CS_ERR_INVALID;
  if ((k->case_id = http_path_uuid(ctx->req, ctx->resp, "id", "case")) == NULL ||
      (with_rfq && (k->rfq_id = http_path_uuid(ctx->req, ctx->resp, "rfq_id", "RFQ")) == NULL) ||
      service_db_acquire(ctx, &k->conn) != CS_OK)
    goto refused;
  if (cases_store_visible(k->conn, k->caller.portal_id, cases_caller_scope(&k->caller), k->case_id,
                          &k->visible, k->err.sqlstate) == CS_OK)
    return CS_OK;
  service_db_problem(ctx, k->err.sqlstate);
refused:
  if (k->conn != NULL) service_db_release(ctx, k->conn);
  cases_caller_clear(&k->caller);
  return CS_ERR_INVALID;
}

/* Answers rc's outcome: out (stolen) with status, or the refusal; then lets go of k. */
static void rfq_call_end(struct request_ctx *ctx, struct rfq_call *k, int rc, json_t *out,
                         int status) {
  if (rc != CS_OK)
    service_refusal_answer(ctx, &k->err);
  else if (status == 201)
    http_json(ctx->resp, 201, out);
  else
    http_json_resource(ctx->resp, status, out);
  cs_refusal_clear(&k->err);
  service_db_release(ctx, k->conn);
  cases_caller_clear(&k->caller);
}

static void callback_rfq_list(struct request_ctx *ctx) {
  struct rfq_call k;
  json_t *out = NULL;
  if (rfq_call_begin(ctx, &k, 0) != CS_OK) return;
  int rc = cases_rfq_list(k.conn, &k.caller, k.case_id, k.visible, &out, &k.err);
  rfq_call_end(ctx, &k, rc, out, 200);
}

static void callback_rfq_get(struct request_ctx *ctx) {
  struct rfq_call k;
  json_t *out = NULL;
  if (rfq_call_begin(ctx, &k, 1) != CS_OK) return;
  int rc = cases_rfq_get(k.conn, &k.caller, k.case_id, k.visible, k.rfq_id, &out, &k.err);
  rfq_call_end(ctx, &k, rc, out, 200);
}

/* A JSON body checked against fields and rules: CS_OK with *body, or answered (400, 422). */
static int quote_body(struct request_ctx *ctx, json_t **body, struct cs_refusal *err) {
  *body = NULL;
  if (http_parse_json_object(ctx->req, ctx->resp, body) != CS_OK) return CS_ERR_INVALID;
  if (cases_http_body_check(ctx, *body, quote_fields, NFIELDS(quote_fields), cases_rfq_quote_rules,
                            err) == CS_OK)
    return CS_OK;
  json_decref(*body);
  *body = NULL;
  return CS_ERR_INVALID;
}

static void callback_quote_post(struct request_ctx *ctx) {
  struct rfq_call k;
  json_t *body = NULL, *out = NULL;
  if (rfq_call_begin(ctx, &k, 1) != CS_OK) return;
  if (quote_body(ctx, &body, &k.err) != CS_OK) {
    cs_refusal_clear(&k.err);
    service_db_release(ctx, k.conn);
    cases_caller_clear(&k.caller);
    return;
  }
  int rc = cases_rfq_quote_by_partner(k.conn, &k.caller, k.case_id, k.rfq_id, body, &out, &k.err);
  json_decref(body);
  rfq_call_end(ctx, &k, rc, out, 201);
}

/* ---- GET /v1/rfqs --------------------------------------------------------------------------- */

static void callback_portal_rfqs(struct request_ctx *ctx) {
  struct cases_caller caller;
  struct cs_refusal err = {0};
  PGconn *conn = NULL;
  json_t *position = NULL, *out = NULL;
  long limit;
  if (cases_http_caller(ctx, &caller) != CS_OK) return;
  if (paging_parse(ctx->req->map_url, &limit, &position, &err) != CS_OK)
    service_refusal_answer(ctx, &err);
  else if (service_db_acquire(ctx, &conn) != CS_OK)
    conn = NULL; /* answered */
  else if (cases_rfq_portal_list(conn, &caller, u_map_get(ctx->req->map_url, "status"),
                                 u_map_get(ctx->req->map_url, "updated_since"), limit, position,
                                 &out, &err) != CS_OK)
    service_refusal_answer(ctx, &err);
  else
    http_json(ctx->resp, 200, out);
  if (conn != NULL) service_db_release(ctx, conn);
  json_decref(position);
  cs_refusal_clear(&err);
  cases_caller_clear(&caller);
}

/* ---- an outside partner's link ----------------------------------------------------------------
 */

static void callback_link_get(struct request_ctx *ctx) {
  struct cs_refusal err = {0};
  PGconn *conn = NULL;
  json_t *out = NULL;
  u_map_put(ctx->resp->map_header, "Cache-Control", "no-store"); /* every answer: a capability */
  if (service_db_acquire(ctx, &conn) != CS_OK) return;
  if (cases_rfq_link_view(conn, u_map_get(ctx->req->map_url, "token"), &out, &err) != CS_OK)
    service_refusal_answer(ctx, &err);
  else
    http_json_resource(ctx->resp, 200, out);
  cs_refusal_clear(&err);
  service_db_release(ctx, conn);
}

static void callback_link_quote(struct request_ctx *ctx) {
  struct cs_refusal err = {0};
  PGconn *conn = NULL;
  json_t *body = NULL, *out = NULL;
  u_map_put(ctx->resp->map_header, "Cache-Control", "no-store");
  if (quote_body(ctx, &body, &err) != CS_OK) {
    cs_refusal_clear(&err);
    return;
  }
  if (service_db_acquire(ctx, &conn) == CS_OK) {
    if (cases_rfq_quote_by_link(conn, u_map_get(ctx->req->map_url, "token"), body, &out, &err) !=
        CS_OK)
      service_refusal_answer(ctx, &err);
    else
      http_json(ctx->resp, 201, out);
    service_db_release(ctx, conn);
  }
  json_decref(body);
  cs_refusal_clear(&err);
}

void cases_rfq_routes(struct service *svc) {
  cases_http_op_routes(svc, changes, NFIELDS(changes), "the RFQs");
  static const struct service_route_def routes[] = {
      {"GET", "/v1/cases/:id/rfqs", callback_rfq_list, ROUTE_AUTHENTICATED},
      {"GET", "/v1/cases/:id/rfqs/:rfq_id", callback_rfq_get, ROUTE_AUTHENTICATED},
      {"POST", "/v1/cases/:id/rfqs/:rfq_id/quotes", callback_quote_post, ROUTE_AUTHENTICATED},
      {"GET", "/v1/rfqs", callback_portal_rfqs, ROUTE_AUTHENTICATED},
      {"GET", "/v1/rfq-invitations/:token", callback_link_get, ROUTE_PUBLIC},
      {"POST", "/v1/rfq-invitations/:token/quotes", callback_link_quote, ROUTE_PUBLIC},
  };
  service_routes(svc, routes, SERVICE_ROUTES_COUNT(routes), "the RFQs");
}
