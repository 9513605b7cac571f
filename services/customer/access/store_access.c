/* SQL of the customer's access (store_access.h). Parameterised only. */
#include "store_access.h"

#include <stdio.h>
#include <stdlib.h>

#include "db.h"
#include "db_json.h"
#include "ids.h"
#include "status.h"

#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

/* A grant as the API shows it: never its token's digest. */
#define GRANT_SQL \
  "json_build_object('id', g.id, 'case_id', g.case_id, 'contact', json_build_object('kind',"     \
  " g.contact_kind, 'index', g.contact_index, 'name', g.contact_name, 'email', g.contact_email,"  \
  " 'phone', g.contact_phone), 'granted_by', g.granted_by, 'created_by', g.created_by,"          \
  " 'created_at', " TS("g.created_at") ", 'sent_to', g.sent_to, 'revoked', g.revoked_at IS NOT" \
  " NULL, 'revoked_at', " TS("g.revoked_at") ", 'revoked_by', g.revoked_by)"

int customer_store_access_insert(PGconn *conn, const struct customer_store_grant *g, json_t **doc,
                                 char sqlstate[6]) {
  char index[16], *sent = json_dumps(g->sent_to, JSON_COMPACT);
  if (sent == NULL) return CS_ERR_NOMEM;
  snprintf(index, sizeof(index), "%d", g->index);
  const char *p[] = {
      g->id,   g->portal_id,   g->case_id, g->kind,       g->index >= 0 ? index : NULL,
      g->name, g->email,       g->phone,   g->granted_by, g->created_by,
      sent,    g->token_sha256};
  int rc = db_json_row(conn,
                       "INSERT INTO access_grants AS g (id, portal_id, case_id, contact_kind,"
                       " contact_index, contact_name, contact_email, contact_phone, granted_by,"
                       " created_by, sent_to, token_sha256)"
                       " VALUES ($1, $2, $3, $4, $5::int, $6, $7, $8, $9, $10, $11::jsonb, $12)"
                       " RETURNING " GRANT_SQL,
                       12, p, doc, sqlstate);
  free(sent);
  return rc;
}

int customer_store_access_list(PGconn *conn, const char *portal_id, const char *case_id,
                               json_t **items, char sqlstate[6]) {
  const char *p[] = {portal_id, case_id};
  return db_json_rows_prepared(conn, "customer_access_list",
                               "SELECT " GRANT_SQL
                               " FROM access_grants g WHERE g.portal_id = $1 AND g.case_id = $2"
                               " ORDER BY g.created_at, g.id",
                               2, p, items, sqlstate);
}

int customer_store_access_get(PGconn *conn, const char *portal_id, const char *case_id,
                              const char *access_id, int for_update, json_t **doc,
                              char sqlstate[6]) {
  const char *p[] = {portal_id, case_id, access_id};
  if (for_update)
    return db_json_row(conn,
                       "SELECT " GRANT_SQL
                       " FROM access_grants g WHERE g.portal_id = $1 AND g.case_id = $2"
                       " AND g.id = $3 FOR UPDATE",
                       3, p, doc, sqlstate);
  return db_json_row(conn,
                     "SELECT " GRANT_SQL
                     " FROM access_grants g WHERE g.portal_id = $1 AND g.case_id = $2"
                     " AND g.id = $3",
                     3, p, doc, sqlstate);
}

int customer_store_access_revoke(PGconn *conn, const char *access_id, const char *by,
                                 char sqlstate[6]) {
  const char *p[] = {access_id, by};
  if (db_exec(conn,
              "UPDATE access_grants SET revoked_at = clock_timestamp(), revoked_by = $2"
              " WHERE id = $1 AND revoked_at IS NULL",
              2, p, NULL, sqlstate) != CS_OK)
    return CS_ERR_DB;
  return db_exec(conn,
                 "UPDATE access_sessions SET ended_at = clock_timestamp()"
                 " WHERE access_id = $1 AND ended_at IS NULL",
                 1, p, NULL, sqlstate);
}

int customer_store_access_live(PGconn *conn, const char *case_id, json_t **items,
                               char sqlstate[6]) {
  const char *p[] = {case_id};
  return db_json_rows(conn,
                      "SELECT json_build_object('email', contact_email, 'phone', contact_phone)"
                      " FROM access_grants WHERE case_id = $1 AND revoked_at IS NULL",
                      1, p, items, sqlstate);
}

int customer_store_access_by_token(PGconn *conn, const char *token_sha256, json_t **grant,
                                   char sqlstate[6]) {
  const char *p[] = {token_sha256};
  return db_json_row_prepared(
      conn, "customer_access_by_token",
      "SELECT json_build_object('id', id, 'portal_id', portal_id, 'case_id', case_id,"
      " 'contact_name', contact_name, 'contact_email', contact_email, 'contact_phone',"
      " contact_phone) FROM access_grants WHERE token_sha256 = $1 AND revoked_at IS NULL",
      1, p, grant, sqlstate);
}

/* ---- SMS codes ---- */

int customer_store_code_sends(PGconn *conn, const char *access_id, long *since_last, int *last_live,
                              long *last_hour, char sqlstate[6]) {
  const char *p[] = {access_id};
  json_t *row = NULL;
  int rc =
      db_json_row(conn,
                  "SELECT json_build_object("
                  " 'since_last', (SELECT floor(extract(epoch FROM clock_timestamp() - "
                  "max(created_at)))::bigint"
                  "   FROM access_codes WHERE access_id = $1),"
                  " 'last_live', coalesce((SELECT used_at IS NULL AND tries_left > 0"
                  "   AND expires_at > clock_timestamp() FROM access_codes WHERE access_id = $1"
                  "   ORDER BY created_at DESC LIMIT 1), false),"
                  " 'last_hour', (SELECT count(*) FROM access_codes WHERE access_id = $1"
                  "   AND created_at > clock_timestamp() - interval '1 hour'))",
                  1, p, &row, sqlstate);
  if (rc != CS_OK) return rc;
  json_t *since = json_object_get(row, "since_last");
  *since_last = json_is_integer(since) ? (long)json_integer_value(since) : -1;
  *last_live = json_is_true(json_object_get(row, "last_live"));
  *last_hour = (long)json_integer_value(json_object_get(row, "last_hour"));
  json_decref(row);
  return CS_OK;
}

int customer_store_code_insert(PGconn *conn, const char *access_id, const char *code_sha256,
                               const char *channel, long ttl_s, int tries, char sqlstate[6]) {
  char id[37], ttl[24], n[16];
  ids_uuid_v4(id);
  snprintf(ttl, sizeof(ttl), "%ld", ttl_s);
  snprintf(n, sizeof(n), "%d", tries);
  const char *p[] = {id, access_id, code_sha256, channel, ttl, n};
  return db_exec(conn,
                 "INSERT INTO access_codes (id, access_id, code_sha256, channel, expires_at,"
                 " tries_left) VALUES ($1, $2, $3, $4,"
                 " clock_timestamp() + make_interval(secs => $5::int), $6::int)",
                 6, p, NULL, sqlstate);
}

int customer_store_code_latest(PGconn *conn, const char *access_id, json_t **code,
                               char sqlstate[6]) {
  const char *p[] = {access_id};
  return db_json_row(conn,
                     "SELECT json_build_object('id', id, 'code_sha256', code_sha256, 'expired',"
                     " expires_at <= clock_timestamp(), 'used', used_at IS NOT NULL,"
                     " 'tries_left', tries_left)"
                     " FROM access_codes WHERE access_id = $1"
                     " ORDER BY created_at DESC LIMIT 1 FOR UPDATE",
                     1, p, code, sqlstate);
}

int customer_store_code_try(PGconn *conn, const char *id, int right, long *tries_left,
                            char sqlstate[6]) {
  const char *p[] = {id};
  json_t *left = NULL;
  int rc = db_json_row(conn,
                       right ? "UPDATE access_codes SET used_at = clock_timestamp()"
                               " WHERE id = $1 RETURNING to_json(tries_left)"
                             : "UPDATE access_codes SET tries_left = greatest(tries_left - 1, 0)"
                               " WHERE id = $1 RETURNING to_json(tries_left)",
                       1, p, &left, sqlstate);
  *tries_left = (long)json_integer_value(left);
  json_decref(left);
  return rc;
}

/* ---- sessions ---- */

int customer_store_session_insert(PGconn *conn, const char *token_sha256, const char *access_id,
                                  const char *case_id, const char *portal_id, long ttl_s,
                                  json_t **session, char sqlstate[6]) {
  char id[37], ttl[24];
  ids_uuid_v4(id);
  snprintf(ttl, sizeof(ttl), "%ld", ttl_s);
  const char *p[] = {id, token_sha256, access_id, case_id, portal_id, ttl};
  return db_json_row(conn,
                     "INSERT INTO access_sessions AS s (id, token_sha256, access_id, case_id,"
                     " portal_id, expires_at) VALUES ($1, $2, $3, $4, $5,"
                     " clock_timestamp() + make_interval(secs => $6::int))"
                     " RETURNING json_build_object('id', s.id, 'case_id', s.case_id,"
                     " 'expires_at', " TS("s.expires_at") ")",
                     6, p, session, sqlstate);
}

int customer_store_session_get(PGconn *conn, const char *token_sha256, json_t **session,
                               char sqlstate[6]) {
  const char *p[] = {token_sha256};
  return db_json_row_prepared(
      conn, "customer_access_session_get",
      "SELECT json_build_object('id', s.id, 'access_id', s.access_id, 'case_id', s.case_id,"
      " 'portal_id', s.portal_id, 'contact_name', g.contact_name, 'contact_email',"
      " g.contact_email, 'expires_at', " TS("s.expires_at") ", 'max_age',"
      " floor(extract(epoch FROM s.expires_at - clock_timestamp()))::bigint)"
      " FROM access_sessions s JOIN access_grants g ON g.id = s.access_id"
      " WHERE s.token_sha256 = $1 AND s.ended_at IS NULL AND s.expires_at > clock_timestamp()"
      " AND g.revoked_at IS NULL",
      1, p, session, sqlstate);
}

int customer_store_session_end(PGconn *conn, const char *token_sha256, char sqlstate[6]) {
  const char *p[] = {token_sha256};
  return db_exec(conn,
                 "UPDATE access_sessions SET ended_at = clock_timestamp()"
                 " WHERE token_sha256 = $1 AND ended_at IS NULL",
                 1, p, NULL, sqlstate);
}
