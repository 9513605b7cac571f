/* The customer's reads of their case (http_portal.h): the session, then the domain
 * (portal.c). No SQL here. */
#include "http_portal.h"

#include "http.h"
#include "http_blob_answer.h"
#include "paging.h"
#include "portal.h"
#include "portal_session.h"
#include "status.h"

static struct blob_store *store; /* set once by customer_portal_routes */

typedef int (*part_fn)(PGconn *conn, const struct customer_portal_session *s, json_t **out,
                       struct cs_refusal *err);

/* A private answer: what one customer sees of one case is never kept by a cache. */
static void private_answer(struct request_ctx *ctx) {
  u_map_put(ctx->resp->map_header, "Cache-Control", "no-store");
}

/* Runs fn with the request's session (the answer of a missing or closed one is given there). */
static void answer_part(struct request_ctx *ctx, part_fn fn) {
  struct customer_portal_session s = {0};
  struct cs_refusal err = {0};
  PGconn *conn = NULL;
  json_t *out = NULL;
  private_answer(ctx);
  if (service_db_acquire(ctx, &conn) != CS_OK) return;
  if (customer_portal_session_load(conn, ctx->req, &s, &err) != CS_OK ||
      fn(conn, &s, &out, &err) != CS_OK)
    service_refusal_answer(ctx, &err);
  else
    http_json(ctx->resp, 200, out);
  service_db_release(ctx, conn);
  customer_portal_session_clear(&s);
  cs_refusal_clear(&err);
}

static int documents(PGconn *conn, const struct customer_portal_session *s, json_t **out,
                     struct cs_refusal *err) {
  return customer_portal_documents(conn, s, NULL, out, err);
}

static void case_get(struct request_ctx *ctx) { answer_part(ctx, customer_portal_case); }
static void news_get(struct request_ctx *ctx) {
  struct customer_portal_session s = {0};
  struct cs_refusal err = {0};
  PGconn *conn = NULL;
  json_t *out = NULL, *position = NULL;
  long limit;
  private_answer(ctx);
  if (paging_parse(ctx->req->map_url, &limit, &position, &err) != CS_OK) {
    service_refusal_answer(ctx, &err);
    cs_refusal_clear(&err);
    return;
  }
  if (service_db_acquire(ctx, &conn) == CS_OK) { /* else answered */
    if (customer_portal_session_load(conn, ctx->req, &s, &err) != CS_OK ||
        customer_portal_news(conn, &s, limit, position, &out, &err) != CS_OK)
      service_refusal_answer(ctx, &err);
    else
      http_json(ctx->resp, 200, out);
    service_db_release(ctx, conn);
  }
  json_decref(position);
  customer_portal_session_clear(&s);
  cs_refusal_clear(&err);
}
static void plan_get(struct request_ctx *ctx) { answer_part(ctx, customer_portal_plan); }
static void budget_get(struct request_ctx *ctx) { answer_part(ctx, customer_portal_budget); }
static void documents_get(struct request_ctx *ctx) { answer_part(ctx, documents); }

static void document_content_get(struct request_ctx *ctx) {
  struct customer_portal_session s = {0};
  struct cs_refusal err = {0};
  PGconn *conn = NULL;
  json_t *doc = NULL;
  private_answer(ctx);
  const char *id = http_path_uuid(ctx->req, ctx->resp, "document_id", "document");
  if (id == NULL || service_db_acquire(ctx, &conn) != CS_OK) return;
  if (customer_portal_session_load(conn, ctx->req, &s, &err) != CS_OK ||
      customer_portal_documents(conn, &s, id, &doc, &err) != CS_OK) {
    service_db_release(ctx, conn);
    service_refusal_answer(ctx, &err);
  } else {
    service_db_release(ctx, conn); /* the file streams after the handler: no connection held */
    http_blob_answer(ctx, store, json_string_value(json_object_get(doc, "sha256")),
                     json_string_value(json_object_get(doc, "media_type")),
                     json_string_value(json_object_get(doc, "file_name")));
  }
  json_decref(doc);
  customer_portal_session_clear(&s);
  cs_refusal_clear(&err);
}

void customer_portal_routes(struct service *svc, struct blob_store *blobs) {
  static const struct service_route_def routes[] = {
      {"GET", "/v1/customer-portal/case", case_get, ROUTE_PUBLIC},
      {"GET", "/v1/customer-portal/news", news_get, ROUTE_PUBLIC},
      {"GET", "/v1/customer-portal/plan", plan_get, ROUTE_PUBLIC},
      {"GET", "/v1/customer-portal/budget", budget_get, ROUTE_PUBLIC},
      {"GET", "/v1/customer-portal/documents", documents_get, ROUTE_PUBLIC},
      {"GET", "/v1/customer-portal/documents/:document_id/content", document_content_get,
       ROUTE_PUBLIC},
  };
  store = blobs;
  service_routes(svc, routes, SERVICE_ROUTES_COUNT(routes), "the customer's view of the case");
}
