/* SQL helpers shared by the organisation stores. */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "status.h"
#include "store_org_common.h"

int policy_store_org_rows(PGconn *conn, const char *sql, int n, const char *const *params,
                          json_t **rows, char *sqlstate) {
  PGresult *res = NULL;
  int rc = CS_ERR_DB;
  *rows = json_array();
  if (*rows == NULL) return CS_ERR_NOMEM;
  if (db_exec(conn, sql, n, params, &res, sqlstate) != CS_OK) goto done;
  for (int i = 0; i < PQntuples(res); i++) {
    json_t *row = json_loads(PQgetvalue(res, i, 0), JSON_DECODE_ANY, NULL);
    if (row == NULL) goto done;
    json_array_append_new(*rows, row);
  }
  rc = CS_OK;
done:
  PQclear(res);
  if (rc != CS_OK) {
    json_decref(*rows);
    *rows = NULL;
  }
  return rc;
}

int policy_store_org_row(PGconn *conn, const char *sql, int n, const char *const *params,
                         json_t **out, char *sqlstate) {
  json_t *rows = NULL;
  *out = NULL;
  int rc = policy_store_org_rows(conn, sql, n, params, &rows, sqlstate);
  if (rc != CS_OK) return rc;
  if (json_array_size(rows) == 0) {
    rc = CS_ERR_NOT_FOUND;
  } else {
    *out = json_incref(json_array_get(rows, 0));
  }
  json_decref(rows);
  return rc;
}

int policy_store_org_exec(PGconn *conn, const char *sql, int n, const char *const *params,
                          long *affected, char *sqlstate) {
  PGresult *res = NULL;
  if (db_exec(conn, sql, n, params, &res, sqlstate) != CS_OK) return CS_ERR_DB;
  if (affected != NULL) *affected = strtol(PQcmdTuples(res), NULL, 10);
  PQclear(res);
  return CS_OK;
}

char *policy_store_org_array_literal(const json_t *arr) {
  size_t len = 3, i;
  const json_t *v;
  json_array_foreach(arr, i, v) len += 2 * json_string_length(v) + 3;
  char *out = malloc(len), *p = out;
  if (out == NULL) return NULL;
  *p++ = '{';
  json_array_foreach(arr, i, v) {
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (i > 0) *p++ = ',';
    *p++ = '"';
    for (size_t k = 0; k < n; k++) {
      if (s[k] == '"' || s[k] == '\\') *p++ = '\\';
      *p++ = s[k];
    }
    *p++ = '"';
  }
  *p++ = '}';
  *p = '\0';
  return out;
}
