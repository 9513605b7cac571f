/* SQL of the signatures (store_signatures.h). Parameterised only. */
#include "store_signatures.h"

#include <stdio.h>
#include <stdlib.h>

#include "db.h"
#include "db_json.h"
#include "status.h"

#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

/* A signature with its secrets, and two figures of the database's clock: whether it has expired,
 * and the whole seconds since it began (the animated QR code's time). */
#define SIGNATURE_SQL \
  "json_build_object('id', s.id, 'order_id', s.order_id, 'portal_id', s.portal_id, 'step',"     \
  " s.step, 'decision', s.decision, 'method', s.method, 'user_id', s.user_id, 'status',"        \
  " s.status, 'hint_code', s.hint_code, 'order_ref', s.order_ref, 'qr_start_token',"            \
  " s.qr_start_token, 'qr_start_secret', s.qr_start_secret, 'otp_hash', s.otp_hash,"            \
  " 'otp_tries_left', s.otp_tries_left, 'sent_to', s.sent_to, 'expires_at', " TS("s.expires_at") \
  ", 'expired', s.expires_at <= clock_timestamp(), 'seconds', floor(extract(epoch FROM"         \
  " clock_timestamp() - s.created_at))::bigint, 'created_at', " TS("s.created_at")              \
  ", 'completed_at', " TS("s.completed_at") ")"

int orders_store_signature_insert(PGconn *conn, const struct orders_store_signature *s,
                                  json_t **cancelled, json_t **doc, char sqlstate[6]) {
  char tries[16], ttl[24];
  *cancelled = NULL;
  *doc = NULL;
  snprintf(tries, sizeof(tries), "%d", s->otp_tries);
  snprintf(ttl, sizeof(ttl), "%ld", s->ttl_s);
  const char *c[] = {s->order_id};
  /* the one pending signature of an order goes when another starts (the unique index
   * signatures_one_pending holds it) */
  int rc = db_json_rows(conn,
                        "WITH c AS (UPDATE signatures SET status = 'cancelled',"
                        " hint_code = 'replaced', completed_at = clock_timestamp()"
                        " WHERE order_id = $1 AND status = 'pending' RETURNING id)"
                        " SELECT to_json(id) FROM c",
                        1, c, cancelled, sqlstate);
  if (rc != CS_OK) return rc;
  const char *p[] = {s->id,
                     s->order_id,
                     s->portal_id,
                     s->step,
                     s->decision,
                     s->method,
                     s->user_id,
                     s->hint_code,
                     s->order_ref,
                     s->qr_start_token,
                     s->qr_start_secret,
                     s->otp_hash,
                     s->otp_hash != NULL ? tries : NULL,
                     s->sent_to,
                     ttl};
  return db_json_row(conn,
                     "INSERT INTO signatures AS s (id, order_id, portal_id, step, decision, method,"
                     " user_id, hint_code, order_ref, qr_start_token, qr_start_secret, otp_hash,"
                     " otp_tries_left, sent_to, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7,"
                     " $8, $9, $10, $11, $12, $13::int, $14, clock_timestamp() + make_interval("
                     "secs => $15::int)) RETURNING " SIGNATURE_SQL,
                     15, p, doc, sqlstate);
}

int orders_store_signature_pending_bankid(PGconn *conn, const char *order_id, json_t **rows,
                                          char sqlstate[6]) {
  const char *p[] = {order_id};
  return db_json_rows_prepared(conn, "orders_signature_pending_bankid",
                               "SELECT json_build_object('id', id, 'order_ref', order_ref)"
                               " FROM signatures WHERE order_id = $1 AND status = 'pending'"
                               " AND method = 'bankid'",
                               1, p, rows, sqlstate);
}

int orders_store_signature_get(PGconn *conn, const char *order_id, const char *id, int for_update,
                               json_t **doc, char sqlstate[6]) {
  const char *p[] = {order_id, id};
  if (for_update)
    return db_json_row(conn,
                       "SELECT " SIGNATURE_SQL
                       " FROM signatures s WHERE s.order_id = $1 AND s.id = $2 FOR UPDATE",
                       2, p, doc, sqlstate);
  return db_json_row_prepared(conn, "orders_signature_get",
                              "SELECT " SIGNATURE_SQL
                              " FROM signatures s WHERE s.order_id = $1 AND s.id = $2",
                              2, p, doc, sqlstate);
}

int orders_store_signature_end(PGconn *conn, const char *id, const char *status,
                               const char *hint_code, const json_t *evidence, json_t **doc,
                               char sqlstate[6]) {
  char *text = evidence != NULL ? json_dumps(evidence, JSON_COMPACT) : NULL;
  if (evidence != NULL && text == NULL) return CS_ERR_NOMEM;
  const char *p[] = {id, status, hint_code, text};
  int rc = db_json_row(conn,
                       "UPDATE signatures s SET status = $2, hint_code = coalesce($3, hint_code),"
                       " completion = $4::jsonb, completed_at = clock_timestamp()"
                       " WHERE s.id = $1 AND s.status = 'pending' RETURNING " SIGNATURE_SQL,
                       4, p, doc, sqlstate);
  free(text);
  return rc;
}

int orders_store_signature_hint(PGconn *conn, const char *id, const char *hint_code,
                                char sqlstate[6]) {
  const char *p[] = {id, hint_code};
  long n;
  return db_exec_affected(conn, "orders_signature_hint",
                          "UPDATE signatures SET hint_code = $2 WHERE id = $1 AND status ="
                          " 'pending' AND hint_code IS DISTINCT FROM $2",
                          2, p, &n, sqlstate);
}

int orders_store_signature_wrong_try(PGconn *conn, const char *id, long *tries_left,
                                     char sqlstate[6]) {
  const char *p[] = {id};
  PGresult *res = NULL;
  int rc = db_exec(conn,
                   "UPDATE signatures SET otp_tries_left = greatest(otp_tries_left - 1, 0),"
                   " status = CASE WHEN otp_tries_left <= 1 THEN 'failed' ELSE status END,"
                   " hint_code = CASE WHEN otp_tries_left <= 1 THEN 'tooManyTries'"
                   " ELSE hint_code END,"
                   " completed_at = CASE WHEN otp_tries_left <= 1 THEN clock_timestamp() END"
                   " WHERE id = $1 RETURNING otp_tries_left",
                   1, p, &res, sqlstate);
  if (rc != CS_OK) return rc;
  *tries_left = PQntuples(res) == 1 ? strtol(PQgetvalue(res, 0, 0), NULL, 10) : 0;
  PQclear(res);
  return CS_OK;
}
