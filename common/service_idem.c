/* The Idempotency-Key of a create, inside the create's own transaction (see service.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "idempotency.h"
#include "service.h"
#include "status.h"

/* Replays a stored answer, with the ETag of its "version" when it has one. */
static void answer_stored(struct request_ctx *ctx, const struct idem_stored *s) {
  ulfius_set_string_body_response(ctx->resp, (unsigned)s->status, s->body);
  u_map_put(ctx->resp->map_header, "Content-Type", "application/json");
  u_map_put(ctx->resp->map_header, "Idempotent-Replayed", "true");
  if (s->location != NULL) u_map_put(ctx->resp->map_header, "Location", s->location);
  json_t *r = json_loads(s->body, 0, NULL);
  http_etag_header(ctx->resp, r);
  json_decref(r);
}

int service_idem_begin(struct request_ctx *ctx, PGconn *conn, const char *scope,
                       const char *path, const char **key) {
  struct idem_stored stored = {0};
  enum idem_outcome outcome;
  const char *k = http_header(ctx->req, "Idempotency-Key");
  const char *raw = ctx->req->binary_body != NULL ? ctx->req->binary_body : "";

  *key = NULL;
  if (k == NULL) return CS_OK;
  if (k[0] == '\0' || strlen(k) > IDEM_KEY_MAX) {
    http_problem_full(ctx->resp, PROBLEM_BAD_REQUEST, "Idempotency-Key must be 1 to 200 characters",
                      json_pack("[o]", problem_field_error("Idempotency-Key", FIELD_TOO_LONG,
                                                           "must be 1 to 200 characters")),
                      NULL);
    return CS_ERR_INVALID;
  }
  if (idem_claim(conn, scope, k, "POST", path, raw, ctx->req->binary_body_length, &outcome,
                 &stored) != CS_OK) {
    service_db_problem(ctx, NULL);
    return CS_ERR_DB;
  }
  if (outcome == IDEM_REPLAY) answer_stored(ctx, &stored);
  if (outcome == IDEM_MISMATCH)
    http_problem(ctx->resp, PROBLEM_IDEMPOTENCY_KEY_REUSED,
                 "this Idempotency-Key was used with a different request");
  idem_stored_clear(&stored);
  if (outcome != IDEM_NEW) return CS_ERR_CONFLICT;
  *key = k;
  return CS_OK;
}

int service_idem_record(struct request_ctx *ctx, PGconn *conn, const char *scope,
                        const char *key, int status, const json_t *body, const char *location) {
  char *text = body != NULL ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  int rc = idem_record(conn, scope, key, status, text != NULL ? text : "", location);
  free(text);
  if (rc != CS_OK) service_db_problem(ctx, NULL);
  return rc;
}
