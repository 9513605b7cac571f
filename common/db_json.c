#include "db_json.h"

#include "db.h"
#include "status.h"

/* The rows of res (taken) as parsed values. */
static int rows_of(PGresult *res, json_t **rows) {
  json_t *all = json_array();
  for (int i = 0; i < PQntuples(res) && all != NULL; i++) {
    json_t *row = json_loads(PQgetvalue(res, i, 0), JSON_DECODE_ANY, NULL);
    if (row == NULL || json_array_append_new(all, row) != 0) {
      json_decref(all);
      all = NULL;
    }
  }
  PQclear(res);
  *rows = all;
  return all != NULL ? CS_OK : CS_ERR_NOMEM;
}

/* The first of rows (taken) as a new reference in *out. */
static int first_of(int rc, json_t *rows, json_t **out) {
  if (rc == CS_OK && json_array_size(rows) > 0) *out = json_incref(json_array_get(rows, 0));
  json_decref(rows);
  return rc;
}

int db_json_rows(PGconn *conn, const char *sql, int nparams, const char *const *params,
                 json_t **rows, char *sqlstate) {
  PGresult *res = NULL;
  *rows = NULL;
  if (db_exec(conn, sql, nparams, params, &res, sqlstate) != CS_OK) return CS_ERR_DB;
  return rows_of(res, rows);
}

int db_json_row(PGconn *conn, const char *sql, int nparams, const char *const *params,
                json_t **out, char *sqlstate) {
  json_t *rows = NULL;
  *out = NULL;
  int rc = db_json_rows(conn, sql, nparams, params, &rows, sqlstate);
  return first_of(rc, rows, out);
}

int db_json_rows_prepared(PGconn *conn, const char *name, const char *sql, int nparams,
                          const char *const *params, json_t **rows, char *sqlstate) {
  PGresult *res = NULL;
  *rows = NULL;
  int rc = db_exec_prepared(conn, name, sql, nparams, params, &res, sqlstate);
  if (rc != CS_OK) return rc;
  return rows_of(res, rows);
}

int db_json_row_prepared(PGconn *conn, const char *name, const char *sql, int nparams,
                         const char *const *params, json_t **out, char *sqlstate) {
  json_t *rows = NULL;
  *out = NULL;
  int rc = db_json_rows_prepared(conn, name, sql, nparams, params, &rows, sqlstate);
  return first_of(rc, rows, out);
}
