/* HTTP plumbing shared by the organisation resources: the caller, filters, reads, lists and
 * writes (through the common runner, http_write.h). No SQL here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "http_write.h"
#include "ids.h"
#include "org.h"
#include "org_internal.h"
#include "paging.h"
#include "service.h"
#include "status.h"

int policy_org_http_caller(struct request_ctx *ctx, struct policy_org_caller *c, PGconn **conn) {
  int rc;
  *conn = NULL;
  if (policy_org_caller_from_claims(ctx->claims, c) != CS_OK) {
    http_problem_full(ctx->resp, PROBLEM_INVALID_TOKEN,
                      "the token does not name a user or API client of a portal", NULL, NULL);
    return CS_ERR_INVALID;
  }
  /* the token's rights may be stale: the current row decides (once per request) */
  if (service_db_acquire(ctx, conn) != CS_OK) return CS_ERR_UNAVAILABLE;
  rc = policy_org_caller_refresh(*conn, c);
  if (rc == CS_OK) return CS_OK;
  if (rc == CS_ERR_NOT_FOUND) policy_org_http_caller_gone(ctx);
  else service_db_problem(ctx, NULL);
  service_db_release(ctx, *conn);
  *conn = NULL;
  return CS_ERR_INVALID;
}

void policy_org_http_caller_gone(struct request_ctx *ctx) {
  http_problem_full(ctx->resp, PROBLEM_INVALID_TOKEN,
                    "the user or API client is no longer active in this portal", NULL, NULL);
  u_map_put(ctx->resp->map_header, "WWW-Authenticate", "Bearer");
}

/* ?limit and ?cursor: CS_OK with *limit and *pos (a new reference or NULL); otherwise answered. */
static int page_params(struct request_ctx *ctx, long *limit, json_t **pos) {
  struct cs_refusal bad = {0};
  int rc = paging_parse(ctx->req->map_url, limit, pos, &bad);
  if (rc == CS_OK && *pos != NULL &&
      (!ids_is_timestamp(json_string_value(json_object_get(*pos, "created_at"))) ||
       !ids_is_uuid(json_string_value(json_object_get(*pos, "id"))))) {
    json_decref(*pos);
    *pos = NULL;
    rc = cs_refuse(&bad, PROBLEM_INVALID_PARAMETER, "cursor is not valid");
    cs_refusal_field(&bad, "cursor", FIELD_FORMAT, "must be a next_cursor value from a previous page");
  }
  if (rc == CS_OK) return CS_OK;
  service_refusal_answer(ctx, &bad);
  cs_refusal_clear(&bad);
  return CS_ERR_INVALID;
}

/* The position after the last item shown: its created_at and id. */
static json_t *created_position(const json_t *last, const void *arg) {
  (void)arg;
  return json_pack("{s:O, s:O}", "created_at", json_object_get(last, "created_at"), "id",
                   json_object_get(last, "id"));
}

/* ---- writes ------------------------------------------------------------------------------ */

void policy_org_http_write(struct request_ctx *ctx, const struct http_field *fields,
                           size_t nfields, const char *id, policy_org_write_fn fn, int ok_status,
                           const char *idem_path, const char *location_prefix) {
  struct policy_org_caller caller;
  struct write_call w = {0};
  json_t *body = NULL;
  PGconn *conn = NULL;
  char scope[80];

  if (policy_org_http_caller(ctx, &caller, &conn) != CS_OK) goto done;
  if (fields != NULL && (http_parse_json_object(ctx->req, ctx->resp, &body) != CS_OK ||
                         http_validate(body, fields, nfields, ctx->resp) != CS_OK))
    goto done;
  /* keys belong to the caller in one portal: the same key in another portal is another create */
  snprintf(scope, sizeof(scope), "%s/%s", caller.sub, caller.portal_id);
  /* policy calls no other service: one transaction, the row locked and checked by fn */
  const struct write_hooks hooks = {.apply = fn};
  const struct http_write_spec spec = {.ok_status = ok_status,
                                       .idem_scope = idem_path != NULL ? scope : NULL,
                                       .idem_path = idem_path,
                                       .location_prefix = location_prefix,
                                       .replay_omit = "client_secret"}; /* shown once */
  w.caller = &caller;
  w.body = body;
  w.id = id;
  http_write_run(ctx, conn, &spec, &hooks, &w);
done:
  if (conn != NULL) service_db_release(ctx, conn);
  cs_refusal_clear(&w.err);
  json_decref(w.result);
  json_decref(body);
}

const char *policy_org_http_filter(struct request_ctx *ctx, const char *name, char kind,
                                   const char *const *allowed, struct cs_refusal *bad) {
  const char *v = u_map_get(ctx->req->map_url, name), *message = NULL;
  if (v == NULL) return NULL;
  switch (kind) {
    case 'u':
      if (!ids_is_uuid(v)) message = "must be a UUID";
      break;
    case 'b':
      if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0) message = "must be true or false";
      break;
    case 's':
      if (v[0] == '\0' || strlen(v) > 200) message = "must be 1 to 200 bytes long";
      break;
    default: {
      int ok = 0;
      for (size_t i = 0; allowed != NULL && allowed[i] != NULL; i++) ok |= !strcmp(v, allowed[i]);
      if (!ok) message = "is not one of the allowed values";
    }
  }
  if (message == NULL) return v;
  cs_refusal_field(bad, name, FIELD_INVALID, message);
  return NULL;
}

int policy_org_http_filter_errors(struct request_ctx *ctx, struct cs_refusal *bad) {
  if (bad->errors == NULL) return 0;
  cs_refuse(bad, PROBLEM_INVALID_PARAMETER, "a query parameter is not valid");
  service_refusal_answer(ctx, bad);
  cs_refusal_clear(bad);
  return 1;
}

void policy_org_routes(struct service *svc) {
  policy_org_users_routes(svc);
  policy_org_offices_routes(svc);
  policy_org_companies_routes(svc);
  policy_org_api_clients_routes(svc);
}

void policy_org_http_read(struct request_ctx *ctx, const char *what, policy_org_get_fn get) {
  struct policy_org_caller c;
  struct cs_refusal err = {0};
  PGconn *conn = NULL;
  json_t *resource = NULL;
  const char *id;

  if (policy_org_http_caller(ctx, &c, &conn) != CS_OK) goto done;
  if ((id = http_path_uuid(ctx->req, ctx->resp, "id", what)) == NULL) goto done;
  if (get(conn, &c, id, &resource, &err) != CS_OK) {
    service_refusal_answer(ctx, &err);
    goto done;
  }
  http_json_resource(ctx->resp, 200, resource);
  resource = NULL;
done:
  if (conn != NULL) service_db_release(ctx, conn);
  cs_refusal_clear(&err);
  json_decref(resource);
}

void policy_org_http_list(struct request_ctx *ctx, PGconn *conn,
                          const struct policy_org_caller *c, policy_org_list_fn fn,
                          const void *query) {
  struct policy_org_page pg = {0};
  struct cs_refusal err = {0};
  json_t *pos = NULL, *rows = NULL;
  long limit;

  if (page_params(ctx, &limit, &pos) != CS_OK) goto done;
  pg.limit = limit + 1;
  pg.after_created_at = json_string_value(json_object_get(pos, "created_at"));
  pg.after_id = json_string_value(json_object_get(pos, "id"));
  if (fn(conn, c, query, &pg, &rows, &err) != CS_OK) {
    service_refusal_answer(ctx, &err);
    goto done;
  }
  http_json(ctx->resp, 200, paging_page(rows, limit, created_position, NULL));
  rows = NULL;
done:
  cs_refusal_clear(&err);
  json_decref(rows);
  json_decref(pos);
}
