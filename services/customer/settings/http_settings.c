/* The settings routes (http_settings.h): decode, call the domain (settings.c), answer. No SQL
 * here. Every route answers 401 for a token of nobody active in the portal; the portal's
 * settings 403 to anyone but the insurer's level-6 users and the portal's API clients, a case's
 * override 404 to whoever may not work with the case's customer page (case_staff.h). */
#include "http_settings.h"

#include "caller.h"
#include "http.h"
#include "http_write.h"
#include "ids.h"
#include "service.h"
#include "settings.h"
#include "status.h"

/* Loads the caller (who may do what is the domain's: settings.h): CS_OK, or answered. */
static int caller(struct request_ctx *ctx, struct customer_caller *c) {
  struct cs_refusal err = {0};
  int rc = customer_caller_load(ctx->claims, c, &err);
  if (rc != CS_OK) service_refusal_answer(ctx, &err);
  cs_refusal_clear(&err);
  return rc;
}

/* A read of the settings: read_fn with the caller, case_id (may be NULL) and a connection. */
typedef int (*read_fn)(PGconn *conn, const struct customer_caller *c, const char *case_id,
                       json_t **out, struct cs_refusal *err);

static void answer_read(struct request_ctx *ctx, const char *case_id, read_fn fn) {
  struct customer_caller c;
  struct cs_refusal err = {0};
  PGconn *conn = NULL;
  json_t *out = NULL;
  if (caller(ctx, &c) != CS_OK) return;
  if (service_db_acquire(ctx, &conn) != CS_OK) goto done;
  if (fn(conn, &c, case_id, &out, &err) != CS_OK)
    service_refusal_answer(ctx, &err);
  else
    http_json_resource(ctx->resp, 200, out);
done:
  if (conn != NULL) service_db_release(ctx, conn);
  customer_caller_clear(&c);
  cs_refusal_clear(&err);
}

static int portal_read(PGconn *conn, const struct customer_caller *c, const char *case_id,
                       json_t **out, struct cs_refusal *err) {
  (void)case_id;
  return customer_settings_get(conn, c, out, err);
}

static void settings_get(struct request_ctx *ctx) { answer_read(ctx, NULL, portal_read); }

static void case_settings_get(struct request_ctx *ctx) {
  const char *case_id = http_path_uuid(ctx->req, ctx->resp, "case_id", "case");
  if (case_id != NULL) answer_read(ctx, case_id, customer_case_settings_get);
}

static void preview_get(struct request_ctx *ctx) {
  const char *case_id = u_map_get(ctx->req->map_url, "case_id");
  if (case_id != NULL && !ids_is_uuid(case_id)) {
    json_t *errors = json_pack("[{s:s, s:s, s:s}]", "field", "case_id", "code", "format", "message",
                               "must be a case id (UUID)");
    http_problem_full(ctx->resp, PROBLEM_INVALID_PARAMETER, "case_id is not valid", errors, NULL);
    return;
  }
  answer_read(ctx, case_id, customer_settings_preview);
}

/* PUT of the portal's settings (case_id NULL) or of a case's override. */
static void answer_put(struct request_ctx *ctx, const char *case_id) {
  static const struct write_hooks hooks = {.read = customer_settings_read,
                                           .check = customer_settings_check,
                                           .lock = customer_settings_lock,
                                           .apply = customer_settings_apply};
  /* If-Match is checked by read: a never-saved document needs none (settings.h) */
  static const struct http_write_spec spec = {.ok_status = 200};
  struct customer_settings_op op = {.case_id = case_id};
  struct write_call w = {0};
  struct customer_caller c;
  PGconn *conn = NULL;
  json_t *body = NULL;
  if (caller(ctx, &c) != CS_OK) return;
  if (http_parse_json_object(ctx->req, ctx->resp, &body) != CS_OK) goto done;
  if (service_db_acquire(ctx, &conn) != CS_OK) goto done;
  w.op = &op;
  w.caller = &c;
  w.body = body;
  http_write_run(ctx, &conn, &spec, &hooks, &w);
done:
  if (conn != NULL) service_db_release(ctx, conn);
  customer_settings_op_clear(&op);
  customer_caller_clear(&c);
  cs_refusal_clear(&w.err);
  json_decref(w.result);
  json_decref(body);
}

static void settings_put(struct request_ctx *ctx) { answer_put(ctx, NULL); }

static void case_settings_put(struct request_ctx *ctx) {
  const char *case_id = http_path_uuid(ctx->req, ctx->resp, "case_id", "case");
  if (case_id != NULL) answer_put(ctx, case_id);
}

void customer_settings_routes(struct service *svc) {
  static const struct service_route_def routes[] = {
      {"GET", "/v1/customer/settings", settings_get, ROUTE_AUTHENTICATED},
      {"PUT", "/v1/customer/settings", settings_put, ROUTE_AUTHENTICATED},
      {"GET", "/v1/customer/settings/preview", preview_get, ROUTE_AUTHENTICATED},
      {"GET", "/v1/customer/cases/:case_id/settings", case_settings_get, ROUTE_AUTHENTICATED},
      {"PUT", "/v1/customer/cases/:case_id/settings", case_settings_put, ROUTE_AUTHENTICATED},
  };
  service_routes(svc, routes, SERVICE_ROUTES_COUNT(routes), "the customer page's settings");
}
