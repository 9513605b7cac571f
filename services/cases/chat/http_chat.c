/* Routes of the chat of a case: GET/POST /v1/cases/{id}/chat/messages (newest first, cursor
 * paging, the caller's unread count), GET/PUT .../chat/participants, POST .../chat/read.
 * Decoding and answers only; rules in chat.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases_routes.h"
#include "chat.h"
#include "fields.h"
#include "http.h"
#include "http_case_op.h"
#include "ids.h"
#include "paging.h"
#include "service.h"
#include "status.h"
#include "store_chat.h"

static const struct http_field message_fields[] = {
    {"text", HTTP_FIELD_STRING, 1, CASES_CHAT_MAX_TEXT}};
static const struct http_field participant_fields[] = {{"user_ids", HTTP_FIELD_ARRAY, 1, 0}};

/* The position after a message: its time and id. */
static json_t *message_position(const json_t *last, const void *arg) {
  (void)arg;
  return json_pack("{s:O, s:O}", "at", json_object_get(last, "posted_at"), "id",
                   json_object_get(last, "id"));
}

static void callback_messages(struct request_ctx *ctx) {
  struct cases_caller caller;
  struct cs_refusal err = {0};
  PGconn *conn = NULL;
  const char *case_id;
  json_t *rows = NULL, *pos = NULL;
  long limit;
  long long unread = 0;
  if (cases_http_visible_case(ctx, &caller, &conn, &case_id) != CS_OK) return;
  if (paging_parse(ctx->req->map_url, &limit, &pos, &err) != CS_OK) {
    service_refusal_answer(ctx, &err);
    goto done;
  }
  const char *at = json_string_value(json_object_get(pos, "at"));
  const char *id = json_string_value(json_object_get(pos, "id"));
  if (pos != NULL && (!ids_is_timestamp(at) || !ids_is_uuid(id))) {
    http_problem(ctx->resp, PROBLEM_INVALID_PARAMETER, "cursor is not one of this list's");
    goto done;
  }
  if (cases_store_chat_page(conn, case_id, at, id, limit + 1, &rows, err.sqlstate) != CS_OK ||
      cases_store_chat_unread(conn, case_id, caller.sub, &unread, err.sqlstate) != CS_OK) {
    service_db_problem(ctx, err.sqlstate);
    goto done;
  }
  json_t *page = paging_page(rows, limit, message_position, NULL);
  rows = NULL;
  json_object_set_new(page, "unread", json_integer(unread));
  http_json(ctx->resp, 200, page);
done:
  json_decref(rows);
  json_decref(pos);
  cs_refusal_clear(&err);
  service_db_release(ctx, conn);
  cases_caller_clear(&caller);
}

static int post_message(PGconn *conn, const struct cases_caller *c, const char *case_id,
                        const json_t *body, json_t **out, struct cs_refusal *err) {
  return cases_chat_post(conn, c, case_id, json_string_value(json_object_get(body, "text")), out,
                         err);
}

static int get_participants(PGconn *conn, const struct cases_caller *c, const char *case_id,
                            const json_t *body, json_t **out, struct cs_refusal *err) {
  (void)body;
  return cases_chat_participants(conn, c, case_id, out, err);
}

static int put_participants(PGconn *conn, const struct cases_caller *c, const char *case_id,
                            const json_t *body, json_t **out, struct cs_refusal *err) {
  return cases_chat_participants_set(conn, c, case_id, json_object_get(body, "user_ids"), out, err);
}

static int mark_read(PGconn *conn, const struct cases_caller *c, const char *case_id,
                     const json_t *body, json_t **out, struct cs_refusal *err) {
  (void)body;
  *out = NULL;
  if (cases_store_chat_read(conn, case_id, c->sub, err->sqlstate) != CS_OK)
    return cs_refusal_db(err);
  return CS_OK;
}

void cases_chat_routes(struct service *svc) {
  static const struct cases_case_route post = {message_fields, 1,   cases_chat_message_rules,
                                               post_message,   201, "chat/messages"};
  static const struct cases_case_route get = {NULL, 0, NULL, get_participants, 200, NULL};
  static const struct cases_case_route put = {
      participant_fields, 1, cases_chat_participants_rules, put_participants, 200, NULL};
  static const struct cases_case_route read = {NULL, 0, NULL, mark_read, 204, NULL};
  static const struct {
    const char *method, *pattern;
    service_handler handler;
    const struct cases_case_route *arg;
  } routes[] = {
      {"GET", "/v1/cases/:id/chat/messages", callback_messages, NULL},
      {"POST", "/v1/cases/:id/chat/messages", cases_http_case_call, &post},
      {"GET", "/v1/cases/:id/chat/participants", cases_http_case_call, &get},
      {"PUT", "/v1/cases/:id/chat/participants", cases_http_case_call, &put},
      {"POST", "/v1/cases/:id/chat/read", cases_http_case_call, &read},
  };
  for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
    const struct service_route_def r = {routes[i].method, routes[i].pattern, routes[i].handler,
                                        ROUTE_AUTHENTICATED};
    service_route_or_exit(svc, &r, routes[i].arg, "the chat");
  }
}
