/* The ceiling of the case screens' benchmark (bench/cases.sh): an authenticated route that
 * reads one row by its primary key through the common pool, with a statement prepared once per
 * connection. A screen can only be slower: the same HTTP core, token check and pool, plus its
 * own work. */
#include <stdlib.h>

#include "db.h"
#include "http.h"
#include "probe.h"
#include "service.h"
#include "status.h"

static void ceiling_get(struct request_ctx *ctx) {
  const char *id = u_map_get(ctx->req->map_url, "id");
  const char *params[] = {id};
  char *end = NULL;
  PGconn *conn = NULL;
  PGresult *res = NULL;

  if (id == NULL || strtol(id, &end, 10) < 1 || *end != '\0') {
    http_problem(ctx->resp, PROBLEM_INVALID_PARAMETER, "id must be a positive integer");
    return;
  }
  if (service_db_acquire(ctx, &conn) != CS_OK) return;
  if (db_exec_prepared(conn, "probe_ceiling",
                       "SELECT id, payload FROM ceiling WHERE id = $1::bigint", 1, params, &res,
                       NULL) != CS_OK)
    http_problem(ctx->resp, PROBLEM_INTERNAL, "the row could not be read");
  else if (PQntuples(res) == 0)
    http_problem(ctx->resp, PROBLEM_NOT_FOUND, "no such row");
  else
    http_json(ctx->resp, 200,
              json_pack("{s:I, s:s}", "id", (json_int_t)strtoll(PQgetvalue(res, 0, 0), NULL, 10),
                        "payload", PQgetvalue(res, 0, 1)));
  PQclear(res);
  service_db_release(ctx, conn);
}

void probe_ceiling_routes(struct service *svc) {
  service_route(svc, "GET", "/probe/ceiling/:id", ceiling_get, ROUTE_AUTHENTICATED);
}
