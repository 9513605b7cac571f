/* The write runner (see http_write.h). */
#include "http_write.h"

#include <stdio.h>
#include <string.h>

#include "db.h"
#include "http.h"
#include "service.h"
#include "status.h"

static int precondition(struct write_call *w, long long version, int required) {
  struct request_ctx *ctx = w->http;
  if (http_check_if_match_version(ctx->req, ctx->resp, version, required) == CS_OK) return 0;
  w->answered = 1;
  return 1;
}

/* A replay or a reused key answered before anything is checked: the key is claimed in a
 * transaction rolled back at once. A first request still running holds the key's row only
 * from its begin to its commit: a duplicate arriving earlier runs its own read and check, then
 * waits at its begin (step 3) and is answered with the stored replay there. CS_OK to go on. */
static int idem_look(struct request_ctx *ctx, PGconn *conn, const struct http_write_spec *spec) {
  const char *key = NULL;
  if (db_begin(conn) != CS_OK) {
    service_db_problem(ctx, NULL);
    return CS_ERR_DB;
  }
  int rc = service_idem_begin(ctx, conn, spec->idem_scope, spec->idem_path, &key);
  db_rollback(conn);
  return rc;
}

/* Opens the transaction and claims the key: CS_OK, or answered. */
static int begin(struct request_ctx *ctx, PGconn *conn, const struct http_write_spec *spec,
                 const char **key) {
  if (db_begin(conn) != CS_OK) {
    service_db_problem(ctx, NULL);
    return CS_ERR_DB;
  }
  write_transaction_mark(1);
  if (spec->idem_scope == NULL) return CS_OK;
  return service_idem_begin(ctx, conn, spec->idem_scope, spec->idem_path, key);
}

/* Steps 1 to 4 of http_write.h: CS_OK with the transaction open and the row locked at the
 * version checked; otherwise refused (w->err, or w->answered when the answer is written). */
/* check, on no connection with HTTP_WRITE_CHECK_APART: *conn goes back to the pool first and
 * another is taken after (NULL and answered when none can be had). */
static int run_check(struct request_ctx *ctx, PGconn **conn, const struct http_write_spec *spec,
                     const struct write_hooks *h, struct write_call *w) {
  if (!(spec->flags & HTTP_WRITE_CHECK_APART)) return h->check(*conn, w);
  service_db_release(ctx, *conn);
  *conn = NULL;
  int rc = h->check(NULL, w);
  if (rc != CS_OK) return rc;
  if (service_db_acquire(ctx, conn) != CS_OK) {
    *conn = NULL;
    w->answered = 1;
    return CS_REFUSED;
  }
  return CS_OK;
}

static int checked_and_locked(struct request_ctx *ctx, PGconn **connp,
                              const struct http_write_spec *spec, const struct write_hooks *h,
                              struct write_call *w, const char **key) {
  int required = (spec->flags & HTTP_WRITE_REQUIRE_IF_MATCH) != 0;
  for (int run = 1;; run++) {
    long long seen = WRITE_NO_VERSION, locked = WRITE_NO_VERSION;
    int rc;
    if (h->read != NULL && (rc = h->read(*connp, w, &seen)) != CS_OK) return rc;
    if ((spec->flags & (HTTP_WRITE_IF_MATCH | HTTP_WRITE_REQUIRE_IF_MATCH)) &&
        seen != WRITE_NO_VERSION && precondition(w, seen, required))
      return CS_REFUSED;
    if (h->check != NULL && (rc = run_check(ctx, connp, spec, h, w)) != CS_OK) return rc;
    PGconn *conn = *connp;
    if (begin(ctx, conn, spec, key) != CS_OK) {
      w->answered = 1;
      return CS_REFUSED;
    }
    if (h->lock != NULL && (rc = h->lock(conn, w, &locked)) != CS_OK) return rc;
    /* without read there is nothing to compare, without lock nothing was read again */
    if (h->read == NULL || h->lock == NULL || locked == seen) return CS_OK;
    /* changed since it was checked: the decisions and lookups of check may not hold */
    db_rollback(conn);
    write_transaction_mark(0);
    *key = NULL;
    if (run == HTTP_WRITE_TRIES)
      return cs_refuse(&w->err, PROBLEM_UNAVAILABLE,
                       "the resource kept changing while the request was checked; try again");
  }
}

/* The Location of the answer, "" for none. */
static void location_of(const struct http_write_spec *spec, const struct write_call *w, int status,
                        char *out, size_t len) {
  const char *id = json_string_value(json_object_get(w->result, "id"));
  if (w->location[0] != '\0')
    snprintf(out, len, "%s", w->location);
  else if (status == 201 && spec->location_prefix != NULL && id != NULL)
    snprintf(out, len, "%s/%s", spec->location_prefix, id);
  else
    out[0] = '\0';
}

/* Stores the answer under the key (without replay_omit). CS_OK or answered. */
static int idem_store(struct request_ctx *ctx, PGconn *conn, const struct http_write_spec *spec,
                      const char *key, const struct write_call *w, int status,
                      const char *location) {
  json_t *kept = w->result;
  if (spec->replay_omit != NULL && kept != NULL) {
    kept = json_deep_copy(w->result);
    json_object_del(kept, spec->replay_omit);
  } else {
    json_incref(kept);
  }
  int rc = service_idem_record(ctx, conn, spec->idem_scope, key, status, kept,
                               location[0] ? location : NULL);
  json_decref(kept);
  return rc;
}

void http_write_run(struct request_ctx *ctx, PGconn **connp, const struct http_write_spec *spec,
                    const struct write_hooks *hooks, struct write_call *w) {
  const char *key = NULL;
  char location[300];
  int rc, status;

  w->precondition = precondition;
  w->http = ctx;
  /* without the header there is no key to look at: no transaction for it */
  if (spec->idem_scope != NULL && (hooks->read != NULL || hooks->check != NULL) &&
      http_header(ctx->req, "Idempotency-Key") != NULL && idem_look(ctx, *connp, spec) != CS_OK)
    goto done;
  if ((rc = checked_and_locked(ctx, connp, spec, hooks, w, &key)) != CS_OK ||
      (rc = hooks->apply(*connp, w)) != CS_OK) {
    if (!w->answered) service_refusal_answer(ctx, &w->err);
    goto done;
  }
  status = w->status != 0 ? w->status : spec->ok_status;
  location_of(spec, w, status, location, sizeof(location));
  if (key != NULL && idem_store(ctx, *connp, spec, key, w, status, location) != CS_OK) goto done;
  if (db_commit(*connp) != CS_OK) {
    service_db_problem(ctx, NULL);
    goto done;
  }
  write_transaction_mark(0);
  if (location[0]) u_map_put(ctx->resp->map_header, "Location", location);
  if (status == 204 || w->result == NULL) {
    ulfius_set_empty_body_response(ctx->resp, (unsigned)status);
  } else {
    http_json_resource(ctx->resp, status, w->result);
    w->result = NULL;
  }
done:
  /* a refused or failed write leaves nothing (a transaction is open only with a connection) */
  if (write_in_transaction()) db_rollback(*connp);
  write_transaction_mark(0);
}
