/* Routes of the customer's side of the messages: GET/POST /v1/customer-portal/messages (a POST
 * is JSON {text} or a form with text and/or one file), POST /v1/customer-portal/messages/read and
 * GET /v1/customer-portal/messages/{id}/file, with the session of an access link
 * (access/portal_session.h), each 404 while the messages tab's "when" does not hold for the
 * case. Decode, call the domain (messages.c), answer; no SQL here. */
#include "http.h"
#include "http_contact.h"
#include "messages.h"
#include "paging.h"
#include "portal_session.h"
#include "status.h"

/* The request's session with a connection, the messages tab open: CS_OK, or answered (the
 * session's own answers, 404 without the tab) with the connection released. */
static int customer(struct request_ctx *ctx, PGconn **conn, struct customer_portal_session *s) {
  struct cs_refusal err = {0};
  int rc;
  /* what one customer sees of one case is never kept by a cache */
  u_map_put(ctx->resp->map_header, "Cache-Control", "no-store");
  if ((rc = service_db_acquire(ctx, conn)) != CS_OK) return rc;
  if ((rc = customer_portal_session_load(*conn, ctx->req, s, &err)) != CS_OK ||
      (rc = customer_messages_tab_open(s->casefile, s->settings, &err)) != CS_OK) {
    service_refusal_answer(ctx, &err);
    service_db_release(ctx, *conn);
    *conn = NULL;
  }
  cs_refusal_clear(&err);
  return rc;
}

static void messages_get(struct request_ctx *ctx) {
  struct customer_portal_session s = {0};
  struct cs_refusal err = {0};
  PGconn *conn;
  json_t *pos = NULL, *page = NULL;
  long limit;
  if (customer(ctx, &conn, &s) == CS_OK) {
    if (paging_parse(ctx->req->map_url, &limit, &pos, &err) != CS_OK ||
        customer_messages_list(conn, s.case_id, CUSTOMER_MESSAGES_CUSTOMER, limit, pos, &page,
                               &err) != CS_OK)
      service_refusal_answer(ctx, &err);
    else
      http_json(ctx->resp, 200, page);
    service_db_release(ctx, conn);
  }
  json_decref(pos);
  customer_portal_session_clear(&s);
  cs_refusal_clear(&err);
}

static void messages_post(struct request_ctx *ctx) {
  /* taken first: whatever is answered, a file not committed is dropped */
  struct http_upload *u = http_upload_take(ctx->req);
  struct customer_portal_session s = {0};
  struct customer_message_in in;
  struct cs_refusal err = {0};
  PGconn *conn;
  json_t *body = NULL, *doc = NULL;
  char scope[64];
  int replayed = 0;
  if (customer(ctx, &conn, &s) == CS_OK) {
    const struct customer_message_author a = {s.access_id, s.contact_name, s.contact_email,
                                              s.casefile, s.settings};
    snprintf(scope, sizeof(scope), "customer:%s", s.access_id); /* the grant's, not a user's */
    if (contact_http_message_in(ctx, u, &body, &in) != CS_OK ||
        contact_http_idempotency(ctx, &in, scope, &replayed) != CS_OK) {
      /* answered */
    } else if (customer_messages_customer_post(conn, &a, &in, &doc, &err) != CS_OK) {
      service_refusal_answer(ctx, &err);
    } else {
      contact_http_created(ctx, u, "/v1/customer-portal/messages", doc, replayed);
    }
    service_db_release(ctx, conn);
  }
  json_decref(body);
  customer_portal_session_clear(&s);
  cs_refusal_clear(&err);
  http_upload_free(u);
}

static void messages_read(struct request_ctx *ctx) {
  struct customer_portal_session s = {0};
  struct cs_refusal err = {0};
  PGconn *conn;
  long long marked = 0;
  if (customer(ctx, &conn, &s) == CS_OK) {
    if (customer_messages_read_all(conn, s.casefile, CUSTOMER_MESSAGES_CUSTOMER, NULL, &marked,
                                   &err) != CS_OK)
      service_refusal_answer(ctx, &err);
    else
      http_json(ctx->resp, 200, json_pack("{s:I, s:i}", "marked", (json_int_t)marked, "unread", 0));
    service_db_release(ctx, conn);
  }
  customer_portal_session_clear(&s);
  cs_refusal_clear(&err);
}

static void message_file(struct request_ctx *ctx) {
  struct customer_portal_session s = {0};
  struct cs_refusal err = {0};
  PGconn *conn;
  json_t *file = NULL;
  const char *id = http_path_uuid(ctx->req, ctx->resp, "id", "message");
  if (id != NULL && customer(ctx, &conn, &s) == CS_OK) {
    int rc = customer_messages_file(conn, s.case_id, id, &file, &err);
    service_db_release(ctx, conn); /* the file streams after the handler: no connection held */
    if (rc == CS_OK)
      contact_http_file(ctx, file);
    else
      service_refusal_answer(ctx, &err);
  }
  json_decref(file);
  customer_portal_session_clear(&s);
  cs_refusal_clear(&err);
}

void customer_portal_messages_routes(struct service *svc) {
  static const struct service_route_def routes[] = {
      {"GET", "/v1/customer-portal/messages", messages_get, ROUTE_PUBLIC},
      {"POST", "/v1/customer-portal/messages", messages_post, ROUTE_PUBLIC | ROUTE_UPLOAD},
      {"POST", "/v1/customer-portal/messages/read", messages_read, ROUTE_PUBLIC},
      {"GET", "/v1/customer-portal/messages/:id/file", message_file, ROUTE_PUBLIC},
  };
  service_routes(svc, routes, SERVICE_ROUTES_COUNT(routes), "the customer's messages");
}
