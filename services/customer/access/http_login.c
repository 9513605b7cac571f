/* The customer's login routes (http_login.h): decode, call the domain (login.c,
 * portal_session.c), answer with the session cookie. No SQL here. */
#include "http_login.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "login.h"
#include "portal_session.h"
#include "service.h"
#include "status.h"

#define COOKIE_ATTRIBUTES "; HttpOnly; Secure; SameSite=Strict; Path=/"

void customer_portal_refusal_answer(struct request_ctx *ctx, const struct cs_refusal *err) {
  service_refusal_answer(ctx, err);
  const json_t *retry = json_object_get(err->extra, "retry_after");
  if (err->kind == PROBLEM_TOO_MANY_ATTEMPTS && json_is_integer(retry)) {
    char seconds[24];
    snprintf(seconds, sizeof(seconds), "%lld", (long long)json_integer_value(retry));
    u_map_put(ctx->resp->map_header, "Retry-After", seconds);
  }
}

/* What no cache keeps: a login's answer names the session. */
static void no_store(struct request_ctx *ctx) {
  u_map_put(ctx->resp->map_header, "Cache-Control", "no-store");
}

/* A login's answer: the session (201 with its cookie) or the code sent (202). */
static void answer_login(struct request_ctx *ctx, struct customer_login *l) {
  char cookie[256];
  no_store(ctx);
  if (l->code_required) {
    http_json(ctx->resp, 202,
              json_pack("{s:b, s:I, s:s}", "code_required", 1, "expires_in",
                        (json_int_t)l->expires_in, "sent_to", l->sent_to));
    return;
  }
  snprintf(cookie, sizeof(cookie), CUSTOMER_PORTAL_COOKIE "=%s" COOKIE_ATTRIBUTES "; Max-Age=%ld",
           l->session_token, l->max_age);
  u_map_put(ctx->resp->map_header, "Set-Cookie", cookie);
  explicit_bzero(cookie, sizeof(cookie));
  http_json(ctx->resp, 201, json_incref(l->session));
}

typedef int (*login_fn)(PGconn *conn, const json_t *body, struct customer_login *out,
                        struct cs_refusal *err);

static void login_with(struct request_ctx *ctx, login_fn fn) {
  struct customer_login l = {0};
  struct cs_refusal err = {0};
  PGconn *conn = NULL;
  json_t *body = NULL;
  if (http_parse_json_object(ctx->req, ctx->resp, &body) != CS_OK) goto done;
  if (service_db_acquire(ctx, &conn) != CS_OK) goto done;
  if (fn(conn, body, &l, &err) != CS_OK)
    customer_portal_refusal_answer(ctx, &err);
  else
    answer_login(ctx, &l);
done:
  if (conn != NULL) service_db_release(ctx, conn);
  customer_login_clear(&l);
  cs_refusal_clear(&err);
  json_decref(body);
}

static void login(struct request_ctx *ctx) { login_with(ctx, customer_login_open); }

static void login_code(struct request_ctx *ctx) { login_with(ctx, customer_login_code); }

static void logout(struct request_ctx *ctx) {
  struct cs_refusal err = {0};
  PGconn *conn = NULL;
  if (service_db_acquire(ctx, &conn) != CS_OK) return;
  if (customer_login_end(conn, u_map_get(ctx->req->map_cookie, CUSTOMER_PORTAL_COOKIE), &err) !=
      CS_OK) {
    customer_portal_refusal_answer(ctx, &err);
  } else {
    /* the cookie goes whether or not a session was open: the page is logged out either way */
    u_map_put(ctx->resp->map_header, "Set-Cookie",
              CUSTOMER_PORTAL_COOKIE "=" COOKIE_ATTRIBUTES "; Max-Age=0");
    no_store(ctx);
    ulfius_set_empty_body_response(ctx->resp, 204);
  }
  service_db_release(ctx, conn);
  cs_refusal_clear(&err);
}

static void session_get(struct request_ctx *ctx) {
  struct customer_portal_session s;
  struct cs_refusal err = {0};
  PGconn *conn = NULL;
  if (service_db_acquire(ctx, &conn) != CS_OK) return;
  if (customer_portal_session_load(conn, ctx->req, &s, &err) != CS_OK) {
    customer_portal_refusal_answer(ctx, &err);
  } else {
    no_store(ctx);
    http_json(ctx->resp, 200,
              json_pack("{s:s, s:s, s:s}", "case_id", s.case_id, "contact_name", s.contact_name,
                        "expires_at", s.expires_at));
  }
  service_db_release(ctx, conn);
  customer_portal_session_clear(&s);
  cs_refusal_clear(&err);
}

void customer_portal_login_routes(struct service *svc) {
  static const struct service_route_def routes[] = {
      {"POST", "/v1/customer-portal/login", login, ROUTE_PUBLIC},
      {"POST", "/v1/customer-portal/login/code", login_code, ROUTE_PUBLIC},
      {"POST", "/v1/customer-portal/logout", logout, ROUTE_PUBLIC},
      {"GET", "/v1/customer-portal/session", session_get, ROUTE_PUBLIC},
  };
  service_routes(svc, routes, SERVICE_ROUTES_COUNT(routes), "the customer page's login");
}
