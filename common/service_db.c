/* The database helpers of handlers: a pooled connection or 503, its release (rolling back what
 * a handler left open), and the answer to a database failure or a domain refusal. */
#include "db.h"
#include "http.h"
#include "refusal.h"
#include "service.h"
#include "status.h"

int service_db_acquire(struct request_ctx *ctx, PGconn **conn) {
  if (db_pool_acquire(ctx->svc->pool, conn) == CS_OK) return CS_OK;
  http_problem(ctx->resp, PROBLEM_UNAVAILABLE, "no database connection free; retry shortly");
  return CS_ERR_TIMEOUT;
}

void service_db_release(struct request_ctx *ctx, PGconn *conn) {
  /* A handler that answered an error mid-transaction (412, 422, ...) leaves it to us: undo it
   * here, quietly; the pool warns only about connections returned open by anyone else. */
  if (PQstatus(conn) == CONNECTION_OK && db_in_transaction(conn)) db_rollback(conn);
  db_pool_release(ctx->svc->pool, conn);
}

void service_db_problem(struct request_ctx *ctx, const char *sqlstate) {
  /* without one, the request's last failed statement says what went wrong */
  if ((sqlstate == NULL || sqlstate[0] == '\0') && db_last_sqlstate()[0] != '\0')
    sqlstate = db_last_sqlstate();
  enum problem_kind kind = db_sqlstate_problem(sqlstate);
  const char *detail;
  switch (kind) {
    case PROBLEM_CONFLICT: detail = "this conflicts with an existing resource"; break;
    case PROBLEM_VALIDATION:
      detail = "a value refers to something that does not exist or breaks a rule";
      break;
    case PROBLEM_UNAVAILABLE: detail = "the database is busy; retry shortly"; break;
    case PROBLEM_TIMEOUT: detail = "the database took too long to answer"; break;
    default: detail = "the request could not be completed"; break;
  }
  http_problem(ctx->resp, kind, detail);
}

void service_refusal_answer(struct request_ctx *ctx, const struct cs_refusal *r) {
  if (r->db_failure) {
    service_db_problem(ctx, r->sqlstate);
    return;
  }
  http_problem_full(ctx->resp, r->kind, r->detail,
                    r->errors != NULL ? json_incref(r->errors) : NULL, r->extra);
}
