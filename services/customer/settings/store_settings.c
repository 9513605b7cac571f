/* SQL of the customer page's settings (store_settings.h). Parameterised only. */
#include "store_settings.h"

#include <stdlib.h>

#include "db.h"
#include "db_json.h"
#include "status.h"

#define ROW_SQL                                                         \
  "json_build_object('doc', s.doc, 'version', s.version, 'updated_at'," \
  " to_char(s.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'))"

int customer_store_settings_get(PGconn *conn, const char *portal_id, int for_update, json_t **row,
                                char sqlstate[6]) {
  const char *params[] = {portal_id};
  if (for_update)
    return db_json_row(conn, "SELECT " ROW_SQL " FROM settings s WHERE s.portal_id = $1 FOR UPDATE",
                       1, params, row, sqlstate);
  return db_json_row_prepared(conn, "customer_settings_get",
                              "SELECT " ROW_SQL " FROM settings s WHERE s.portal_id = $1", 1,
                              params, row, sqlstate);
}

int customer_store_settings_put(PGconn *conn, const char *portal_id, const json_t *doc,
                                const char *by, json_t **row, char sqlstate[6]) {
  char *text = json_dumps(doc, JSON_COMPACT);
  if (text == NULL) return CS_ERR_NOMEM;
  const char *params[] = {portal_id, text, by};
  int rc = db_json_row(conn,
                       "INSERT INTO settings AS s (portal_id, doc, updated_by)"
                       " VALUES ($1, $2::jsonb, $3)"
                       " ON CONFLICT (portal_id) DO UPDATE SET doc = EXCLUDED.doc,"
                       " version = s.version + 1, updated_at = now(), updated_by = $3"
                       " RETURNING " ROW_SQL,
                       3, params, row, sqlstate);
  free(text);
  return rc;
}

int customer_store_case_settings_get(PGconn *conn, const char *portal_id, const char *case_id,
                                     int for_update, json_t **row, char sqlstate[6]) {
  const char *params[] = {portal_id, case_id};
  if (for_update)
    return db_json_row(conn,
                       "SELECT " ROW_SQL
                       " FROM case_settings s"
                       " WHERE s.portal_id = $1 AND s.case_id = $2 FOR UPDATE",
                       2, params, row, sqlstate);
  return db_json_row_prepared(conn, "customer_case_settings_get",
                              "SELECT " ROW_SQL
                              " FROM case_settings s"
                              " WHERE s.portal_id = $1 AND s.case_id = $2",
                              2, params, row, sqlstate);
}

int customer_store_case_settings_put(PGconn *conn, const char *portal_id, const char *case_id,
                                     const json_t *doc, const char *by, json_t **row,
                                     char sqlstate[6]) {
  char *text = json_dumps(doc, JSON_COMPACT);
  if (text == NULL) return CS_ERR_NOMEM;
  const char *params[] = {portal_id, case_id, text, by};
  int rc = db_json_row(conn,
                       "INSERT INTO case_settings AS s (portal_id, case_id, doc, updated_by)"
                       " VALUES ($1, $2, $3::jsonb, $4)"
                       " ON CONFLICT (portal_id, case_id) DO UPDATE SET doc = EXCLUDED.doc,"
                       " version = s.version + 1, updated_at = now(), updated_by = $4"
                       " RETURNING " ROW_SQL,
                       4, params, row, sqlstate);
  free(text);
  return rc;
}

int customer_store_lock(PGconn *conn, const char *key, char sqlstate[6]) {
  const char *params[] = {key};
  return db_exec(conn, "SELECT pg_advisory_xact_lock(hashtext($1))", 1, params, NULL, sqlstate);
}
