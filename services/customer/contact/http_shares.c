/* Routes of the documents shared with the customer: GET/POST /v1/customer/cases/{case_id}/shares
 * and DELETE .../shares/{document_id}, for the staff who may work with the case's customer page
 * (core/case_staff.h). Decode, call the domain (shares.c), answer; no SQL here. */
#include "http.h"
#include "http_contact.h"
#include "shares.h"
#include "status.h"

static void shares_get(struct request_ctx *ctx) {
  struct customer_caller c;
  struct cs_refusal err = {0};
  PGconn *conn;
  json_t *casefile, *out = NULL;
  if (contact_http_staff(ctx, &c, &conn, &casefile) != CS_OK) return;
  if (customer_shares_list(conn, casefile, &out, &err) != CS_OK)
    service_refusal_answer(ctx, &err);
  else
    http_json(ctx->resp, 200, out);
  service_db_release(ctx, conn);
  json_decref(casefile);
  customer_caller_clear(&c);
  cs_refusal_clear(&err);
}

static void shares_post(struct request_ctx *ctx) {
  struct customer_caller c;
  struct cs_refusal err = {0};
  PGconn *conn;
  json_t *casefile, *body = NULL, *out = NULL;
  if (contact_http_staff(ctx, &c, &conn, &casefile) != CS_OK) return;
  if (http_parse_json_object(ctx->req, ctx->resp, &body) == CS_OK) {
    if (customer_shares_add(conn, &c, casefile, body, &out, &err) != CS_OK)
      service_refusal_answer(ctx, &err);
    else
      http_json(ctx->resp, 200, out);
  }
  service_db_release(ctx, conn);
  json_decref(body);
  json_decref(casefile);
  customer_caller_clear(&c);
  cs_refusal_clear(&err);
}

static void share_delete(struct request_ctx *ctx) {
  struct customer_caller c;
  struct cs_refusal err = {0};
  PGconn *conn;
  json_t *casefile;
  if (contact_http_staff(ctx, &c, &conn, &casefile) != CS_OK) return;
  const char *document_id = http_path_uuid(ctx->req, ctx->resp, "document_id", "shared document");
  if (document_id != NULL) {
    if (customer_shares_end(conn, &c, casefile, document_id, &err) != CS_OK)
      service_refusal_answer(ctx, &err);
    else
      ulfius_set_empty_body_response(ctx->resp, 204);
  }
  service_db_release(ctx, conn);
  json_decref(casefile);
  customer_caller_clear(&c);
  cs_refusal_clear(&err);
}

void customer_shares_routes(struct service *svc) {
  static const struct service_route_def routes[] = {
      {"GET", "/v1/customer/cases/:case_id/shares", shares_get, ROUTE_AUTHENTICATED},
      {"POST", "/v1/customer/cases/:case_id/shares", shares_post, ROUTE_AUTHENTICATED},
      {"DELETE", "/v1/customer/cases/:case_id/shares/:document_id", share_delete,
       ROUTE_AUTHENTICATED},
  };
  service_routes(svc, routes, SERVICE_ROUTES_COUNT(routes), "the shared documents");
}
