/* SQL helpers shared by the organisation stores. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_json.h"
#include "status.h"
#include "store_org_common.h"

int policy_store_org_row(PGconn *conn, const char *sql, int n, const char *const *params,
                         json_t **out, char *sqlstate) {
  int rc = db_json_row(conn, sql, n, params, out, sqlstate);
  return rc == CS_OK && *out == NULL ? CS_ERR_NOT_FOUND : rc;
}

int policy_store_org_get(PGconn *conn, const struct policy_store_org_get *get, int for_update,
                         int n, const char *const *params, json_t **out, char *sqlstate) {
  return policy_store_org_row(conn, for_update ? get->locked : get->plain, n, params, out,
                              sqlstate);
}

int policy_store_org_exec(PGconn *conn, const char *sql, int n, const char *const *params,
                          long *affected, char *sqlstate) {
  long ignored;
  return db_exec_affected(conn, NULL, sql, n, params, affected != NULL ? affected : &ignored,
                          sqlstate);
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

int policy_store_org_principal(PGconn *conn, const char *sub, const char *portal, int is_client,
                               struct policy_store_org_principal *out, char *sqlstate) {
  static const char sql_user[] =
      "SELECT u.active, u.authority_level, c.kind, u.company_id::text,"
      "       EXISTS (SELECT 1 FROM company_portals cp"
      "                WHERE cp.company_id = u.company_id AND cp.portal_id = $2::uuid)"
      "  FROM users u JOIN companies c ON c.id = u.company_id WHERE u.id = $1::uuid";
  static const char sql_client[] =
      "SELECT a.active, 0, c.kind, a.company_id::text,"
      "       a.portal_id = $2::uuid AND EXISTS (SELECT 1 FROM company_portals cp"
      "                WHERE cp.company_id = a.company_id AND cp.portal_id = $2::uuid)"
      "  FROM api_clients a JOIN companies c ON c.id = a.company_id WHERE a.id = $1::uuid";
  const char *p[] = {sub, portal};
  PGresult *res = NULL;
  memset(out, 0, sizeof(*out));
  if (db_exec(conn, is_client ? sql_client : sql_user, 2, p, &res, sqlstate) != CS_OK)
    return CS_ERR_DB;
  if (PQntuples(res) == 1) {
    out->found = 1;
    out->active = PQgetvalue(res, 0, 0)[0] == 't';
    out->level = (int)strtol(PQgetvalue(res, 0, 1), NULL, 10);
    snprintf(out->kind, sizeof(out->kind), "%s", PQgetvalue(res, 0, 2));
    snprintf(out->company_id, sizeof(out->company_id), "%s", PQgetvalue(res, 0, 3));
    out->in_portal = PQgetvalue(res, 0, 4)[0] == 't';
  }
  PQclear(res);
  return CS_OK;
}
