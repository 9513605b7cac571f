/* Routes of the staff's side of the customer contact of a case: GET/POST
 * /v1/customer/cases/{case_id}/messages (a POST is JSON {text} or a form with text and/or one
 * file), POST .../messages/read ("mark all as read") and GET .../messages/{message_id}/file, for
 * the staff who may work with the case's customer page (core/case_staff.h). Decode, call the
 * domain (messages.c), answer; no SQL here. */
#include <stdio.h>

#include "http.h"
#include "http_contact.h"
#include "messages.h"
#include "paging.h"
#include "status.h"

static void messages_get(struct request_ctx *ctx) {
  struct customer_caller c;
  struct cs_refusal err = {0};
  PGconn *conn;
  json_t *casefile, *pos = NULL, *page = NULL;
  long limit;
  if (contact_http_staff(ctx, &c, &conn, &casefile) != CS_OK) return;
  if (paging_parse(ctx->req->map_url, &limit, &pos, &err) != CS_OK ||
      customer_messages_list(conn, json_string_value(json_object_get(casefile, "case_id")),
                             CUSTOMER_MESSAGES_STAFF, limit, pos, &page, &err) != CS_OK)
    service_refusal_answer(ctx, &err);
  else
    http_json(ctx->resp, 200, page);
  service_db_release(ctx, conn);
  json_decref(pos);
  json_decref(casefile);
  customer_caller_clear(&c);
  cs_refusal_clear(&err);
}

static void messages_post(struct request_ctx *ctx) {
  /* taken first: whatever is answered, a file not committed is dropped */
  struct http_upload *u = http_upload_take(ctx->req);
  struct customer_message_in in;
  struct customer_caller c;
  struct cs_refusal err = {0};
  PGconn *conn;
  json_t *casefile, *body = NULL, *doc = NULL;
  char base[128], scope[160];
  int replayed = 0;
  if (contact_http_staff(ctx, &c, &conn, &casefile) == CS_OK) {
    const char *case_id = json_string_value(json_object_get(casefile, "case_id"));
    snprintf(scope, sizeof(scope), "%s/%s", c.sub, c.portal_id);
    if (contact_http_message_in(ctx, u, &body, &in) != CS_OK ||
        contact_http_idempotency(ctx, &in, scope, &replayed) != CS_OK) {
      /* answered */
    } else if (customer_messages_staff_post(conn, &c, casefile, &in, &doc, &err) != CS_OK) {
      service_refusal_answer(ctx, &err);
    } else {
      snprintf(base, sizeof(base), "/v1/customer/cases/%s/messages", case_id);
      contact_http_created(ctx, u, base, doc, replayed);
    }
    service_db_release(ctx, conn);
    json_decref(casefile);
    customer_caller_clear(&c);
  }
  json_decref(body);
  cs_refusal_clear(&err);
  http_upload_free(u);
}

static void messages_read(struct request_ctx *ctx) {
  struct customer_caller c;
  struct cs_refusal err = {0};
  PGconn *conn;
  json_t *casefile;
  long long marked = 0;
  if (contact_http_staff(ctx, &c, &conn, &casefile) != CS_OK) return;
  if (customer_messages_read_all(conn, casefile, CUSTOMER_MESSAGES_STAFF, c.sub, &marked, &err) !=
      CS_OK)
    service_refusal_answer(ctx, &err);
  else
    http_json(ctx->resp, 200, json_pack("{s:I, s:i}", "marked", (json_int_t)marked, "unread", 0));
  service_db_release(ctx, conn);
  json_decref(casefile);
  customer_caller_clear(&c);
  cs_refusal_clear(&err);
}

static void message_file(struct request_ctx *ctx) {
  struct customer_caller c;
  struct cs_refusal err = {0};
  PGconn *conn;
  json_t *casefile, *file = NULL;
  if (contact_http_staff(ctx, &c, &conn, &casefile) != CS_OK) return;
  const char *id = http_path_uuid(ctx->req, ctx->resp, "message_id", "message");
  int rc = id != NULL
               ? customer_messages_file(
                     conn, json_string_value(json_object_get(casefile, "case_id")), id, &file, &err)
               : CS_ERR_INVALID;
  service_db_release(ctx, conn); /* the file streams after the handler: no connection held */
  if (rc == CS_OK)
    contact_http_file(ctx, file);
  else if (id != NULL)
    service_refusal_answer(ctx, &err);
  json_decref(file);
  json_decref(casefile);
  customer_caller_clear(&c);
  cs_refusal_clear(&err);
}

void customer_messages_routes(struct service *svc) {
  static const struct service_route_def routes[] = {
      {"GET", "/v1/customer/cases/:case_id/messages", messages_get, ROUTE_AUTHENTICATED},
      {"POST", "/v1/customer/cases/:case_id/messages", messages_post,
       ROUTE_AUTHENTICATED | ROUTE_UPLOAD},
      {"POST", "/v1/customer/cases/:case_id/messages/read", messages_read, ROUTE_AUTHENTICATED},
      {"GET", "/v1/customer/cases/:case_id/messages/:message_id/file", message_file,
       ROUTE_AUTHENTICATED},
  };
  service_routes(svc, routes, SERVICE_ROUTES_COUNT(routes), "the customer contact's messages");
}
