/* The list runner of the organisation resources (http_org_list.h). No SQL here. */
#include "http_org_list.h"

#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "http_org.h"
#include "ids.h"
#include "paging.h"
#include "service.h"
#include "status.h"

/* The value of the query parameter p (borrowed), or NULL with a field error in bad when it is
 * not of p's kind. NULL when absent. */
static const char *filter_value(struct request_ctx *ctx, const struct policy_org_filter_param *p,
                                struct cs_refusal *bad) {
  const char *v = u_map_get(ctx->req->map_url, p->name), *message = NULL;
  enum field_code code = FIELD_FORMAT;
  if (v == NULL) return NULL;
  switch (p->kind) {
    case 'u':
      if (!ids_is_uuid(v)) message = "must be a UUID";
      break;
    case 'b':
      if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0) message = "must be true or false";
      break;
    case 's':
      if (v[0] == '\0' || strlen(v) > 200) message = "must be 1 to 200 bytes long";
      code = v[0] == '\0' ? FIELD_REQUIRED : FIELD_TOO_LONG;
      break;
    default: {
      int ok = 0;
      for (size_t i = 0; p->allowed != NULL && p->allowed[i] != NULL; i++)
        ok |= !strcmp(v, p->allowed[i]);
      if (!ok) message = "is not one of the allowed values";
      code = FIELD_NOT_ALLOWED;
    }
  }
  if (message == NULL) return v;
  cs_refusal_field(bad, p->name, code, message);
  return NULL;
}

/* ?updated_since (borrowed), or NULL with a field error in bad when it is not a timestamp.
 * NULL when absent. The case list and the order list take the same parameter. */
static const char *since_value(struct request_ctx *ctx, struct cs_refusal *bad) {
  const char *v = u_map_get(ctx->req->map_url, "updated_since");
  return cs_refusal_timestamp_param(bad, "updated_since", v) ? v : NULL;
}

/* ?limit and ?cursor into *limit and *pos (a new reference or NULL): CS_OK, or CS_REFUSED with
 * bad filled. The cursor is a position of created_position. */
static int page_params(struct request_ctx *ctx, long *limit, json_t **pos, struct cs_refusal *bad) {
  int rc = paging_parse(ctx->req->map_url, limit, pos, bad);
  if (rc == CS_OK && *pos != NULL &&
      (!ids_is_timestamp(json_string_value(json_object_get(*pos, "created_at"))) ||
       !ids_is_uuid(json_string_value(json_object_get(*pos, "id"))))) {
    json_decref(*pos);
    *pos = NULL;
    rc = cs_refuse(bad, PROBLEM_INVALID_PARAMETER, "cursor is not valid");
    cs_refusal_field(bad, "cursor", FIELD_FORMAT,
                     "must be a next_cursor value from a previous page");
  }
  return rc;
}

/* The position after the last item shown: its created_at and id. */
static json_t *created_position(const json_t *last, const void *arg) {
  (void)arg;
  return json_pack("{s:O, s:O}", "created_at", json_object_get(last, "created_at"), "id",
                   json_object_get(last, "id"));
}

void policy_org_http_list(struct request_ctx *ctx, const struct policy_org_filter_param *params,
                          size_t n, policy_org_list_fn list) {
  const char *filter[POLICY_ORG_MAX_FILTERS] = {0};
  struct policy_org_caller c;
  struct policy_org_page pg = {0};
  struct cs_refusal err = {0};
  json_t *pos = NULL, *rows = NULL;
  PGconn *conn = NULL;
  long limit;

  if (policy_org_http_caller(ctx, &c, &conn) != CS_OK) goto done;
  for (size_t i = 0; i < n && i < POLICY_ORG_MAX_FILTERS; i++)
    filter[i] = filter_value(ctx, &params[i], &err);
  pg.updated_since = since_value(ctx, &err);
  if (err.errors != NULL) {
    cs_refuse(&err, PROBLEM_INVALID_PARAMETER, "a query parameter is not valid");
    service_refusal_answer(ctx, &err);
    goto done;
  }
  if (page_params(ctx, &limit, &pos, &err) != CS_OK) {
    service_refusal_answer(ctx, &err);
    goto done;
  }
  pg.limit = limit + 1;
  pg.after_created_at = json_string_value(json_object_get(pos, "created_at"));
  pg.after_id = json_string_value(json_object_get(pos, "id"));
  if (list(conn, &c, filter, &pg, &rows, &err) != CS_OK) {
    service_refusal_answer(ctx, &err);
    goto done;
  }
  http_json(ctx->resp, 200, paging_page(rows, limit, created_position, NULL));
  rows = NULL;
done:
  if (conn != NULL) service_db_release(ctx, conn);
  cs_refusal_clear(&err);
  json_decref(rows);
  json_decref(pos);
}
