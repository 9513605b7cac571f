/* GET /internal/offices/eligible, POST /internal/users/lookup and GET /internal/api-clients/{id}:
 * decode the request, call the directory (directory.c), map the result to HTTP. No SQL here.
 * Service-to-service only: no token, never routed by the gateway. */
#include <stdlib.h>

#include "directory.h"
#include "http.h"
#include "log.h"
#include "service.h"
#include "status.h"

/* Answers a failure of the directory: the failed statement's SQLSTATE decides (a timeout is
 * 504). */
static void failure(struct request_ctx *ctx, int rc) {
  if (rc == CS_ERR_DB)
    service_db_problem(ctx, NULL);
  else
    http_problem(ctx->resp, PROBLEM_INTERNAL, "the request could not be completed");
}

/* 200 {"items": items (stolen)}. */
static void answer_items(struct request_ctx *ctx, json_t *items) {
  http_json(ctx->resp, 200, json_pack("{s:o}", "items", items));
}

/* 404: id names no API client. */
static void no_such_client(struct request_ctx *ctx) {
  http_problem(ctx->resp, PROBLEM_NOT_FOUND, "no such API client");
}

/* Answers errors (stolen; NULL: out of memory) when there are any, as kind with detail: 1 when
 * answered, 0 to go on. */
static int answer_errors(struct request_ctx *ctx, json_t *errors, enum problem_kind kind,
                         const char *detail) {
  if (errors == NULL) {
    http_problem(ctx->resp, PROBLEM_INTERNAL, "the request could not be completed");
    return 1;
  }
  if (json_array_size(errors) == 0) {
    json_decref(errors);
    return 0;
  }
  http_problem_full(ctx->resp, kind, detail, errors, NULL);
  return 1;
}

/* 400 listing errors about the query: answer_errors. */
static int bad_query(struct request_ctx *ctx, json_t *errors) {
  return answer_errors(ctx, errors, PROBLEM_INVALID_PARAMETER,
                       "one or more query parameters are invalid");
}

static void callback_policy_offices_eligible_get(struct request_ctx *ctx) {
  const struct _u_map *q = ctx->req->map_url;
  struct policy_directory_query query;
  PGconn *conn = NULL;
  json_t *errors, *items = NULL;
  int rc;

  errors = policy_directory_query_parse(u_map_get(q, "portal_id"), u_map_get(q, "latitude"),
                                        u_map_get(q, "longitude"),
                                        u_map_get(q, "external_case_handler"), &query);
  if (bad_query(ctx, errors)) return;
  if (service_db_acquire(ctx, &conn) != CS_OK) return;
  rc = policy_directory_offices_eligible(conn, &query, &items);
  service_db_release(ctx, conn);
  if (rc != CS_OK)
    failure(ctx, rc);
  else
    answer_items(ctx, items);
}

static void callback_policy_users_lookup_post(struct request_ctx *ctx) {
  PGconn *conn = NULL;
  json_t *body = NULL, *answer = NULL;
  int rc;

  if (http_parse_json_object(ctx->req, ctx->resp, &body) != CS_OK) goto done;
  if (answer_errors(ctx, policy_directory_lookup_errors(body), PROBLEM_VALIDATION,
                    "the lookup request is invalid"))
    goto done;
  if (service_db_acquire(ctx, &conn) != CS_OK) goto done;
  rc = policy_directory_users_lookup(conn, body, &answer);
  service_db_release(ctx, conn);
  if (rc != CS_OK)
    failure(ctx, rc);
  else
    http_json(ctx->resp, 200, answer);
done:
  json_decref(body);
}

static void callback_policy_api_client_get(struct request_ctx *ctx) {
  const char *id = u_map_get(ctx->req->map_url, "id");
  const char *portal_id = u_map_get(ctx->req->map_url, "portal_id");
  PGconn *conn = NULL;
  json_t *errors, *client = NULL;
  int known, rc;

  if ((errors = policy_directory_api_client_errors(id, portal_id, &known)) == NULL) {
    http_problem(ctx->resp, PROBLEM_INTERNAL, "the request could not be completed");
    return;
  }
  if (!known) {
    json_decref(errors);
    no_such_client(ctx);
    return;
  }
  if (bad_query(ctx, errors)) return;
  if (service_db_acquire(ctx, &conn) != CS_OK) return;
  rc = policy_directory_api_client(conn, id, portal_id, &client);
  service_db_release(ctx, conn);
  if (rc == CS_OK)
    http_json(ctx->resp, 200, client);
  else if (rc == CS_ERR_NOT_FOUND)
    no_such_client(ctx);
  else
    failure(ctx, rc);
}

void policy_directory_routes(struct service *svc) {
  static const struct service_route_def routes[] = {
      {"GET", "/internal/offices/eligible", callback_policy_offices_eligible_get, ROUTE_PUBLIC},
      {"POST", "/internal/users/lookup", callback_policy_users_lookup_post, ROUTE_PUBLIC},
      {"GET", "/internal/api-clients/:id", callback_policy_api_client_get, ROUTE_PUBLIC},
  };
  service_routes(svc, routes, SERVICE_ROUTES_COUNT(routes), "the directory");
}
