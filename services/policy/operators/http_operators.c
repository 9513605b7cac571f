/* The platform operator's start hook and the caller check of its routes. No SQL here. */
#include "http_operators.h"

#include <stdio.h>
#include <stdlib.h>

#include "db.h"
#include "http.h"
#include "log.h"
#include "operators.h"
#include "password.h"
#include "service.h"
#include "status.h"

/* Written once by policy_operator_wire before the server starts, read by the start hook. */
static struct {
  char client_id[65]; /* "" when no operator is configured */
  char *secret_hash;
} configured;

/* The start hook: one transaction, under an advisory lock so that replicas starting together
 * do not interleave their writes (the last one's hash wins; every one verifies the secret). */
static int bootstrap(struct service *svc) {
  const char *id = configured.client_id[0] != '\0' ? configured.client_id : NULL;
  PGconn *conn = NULL;
  int rc = db_pool_acquire(svc->pool, &conn);
  if (rc != CS_OK) goto done;
  if ((rc = db_begin(conn)) != CS_OK ||
      (rc = db_exec(conn, "SELECT pg_advisory_xact_lock(hashtext('claimsuite_platform_operator'))",
                    0, NULL, NULL, NULL)) != CS_OK ||
      (rc = policy_operator_bootstrap(conn, id, configured.secret_hash)) != CS_OK ||
      (rc = db_commit(conn)) != CS_OK)
    db_rollback(conn);
done:
  if (conn != NULL) db_pool_release(svc->pool, conn);
  if (rc != CS_OK)
    log_error("the platform operator could not be written (status %d)", rc);
  else if (id != NULL)
    log_info("platform operator %s is the active operator", id);
  else
    log_info("no platform operator configured (PLATFORM_OPERATOR_ID): none is active");
  free(configured.secret_hash);
  configured.secret_hash = NULL;
  return rc;
}

void policy_operator_wire(struct service *svc, const char *client_id, const char *secret) {
  if (client_id != NULL && secret != NULL) {
    snprintf(configured.client_id, sizeof(configured.client_id), "%s", client_id);
    if (password_hash(secret, &configured.secret_hash) != CS_OK) {
      log_error("the platform operator's secret could not be hashed");
      exit(1);
    }
  }
  service_on_start(svc, bootstrap);
}

int policy_operator_http_caller(struct request_ctx *ctx, PGconn **conn, const char **sub) {
  int rc;
  if (service_db_acquire(ctx, conn) != CS_OK) {
    *conn = NULL;
    return CS_ERR_UNAVAILABLE;
  }
  rc = policy_operator_check(*conn, ctx->claims, sub);
  if (rc == CS_OK) return CS_OK;
  if (rc == POLICY_OPERATOR_NOT) {
    http_problem(ctx->resp, PROBLEM_FORBIDDEN, "only the platform operator may manage portals");
  } else if (rc == POLICY_OPERATOR_GONE) {
    http_problem(ctx->resp, PROBLEM_INVALID_TOKEN, "the platform operator is no longer active");
    u_map_put(ctx->resp->map_header, "WWW-Authenticate", "Bearer");
  } else {
    service_db_problem(ctx, NULL);
  }
  service_db_release(ctx, *conn);
  *conn = NULL;
  return CS_ERR_INVALID;
}
