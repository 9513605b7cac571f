/* The caller's case roles in one case, as the policy service's role names. */
#include <string.h>

#include "cases_internal.h"
#include "db.h"
#include "status.h"

int cases_roles_of(PGconn *conn, const struct cases_caller *c, const char *case_id,
                   unsigned *mask, char sqlstate[6]) {
  *mask = 0;
  if (cases_caller_is_internal(c)) return CS_OK;
  const char *params[] = {case_id, c->sub};
  PGresult *res = NULL;
  int rc = db_exec(conn,
                   "SELECT (SELECT ech_user_id = $2::uuid FROM cases WHERE id = $1::uuid), "
                   "EXISTS (SELECT 1 FROM tasks WHERE case_id = $1::uuid AND user_id = $2::uuid "
                   "        AND type = 'project_management'), "
                   "EXISTS (SELECT 1 FROM tasks WHERE case_id = $1::uuid AND user_id = $2::uuid "
                   "        AND type = 'inspection')",
                   2, params, &res, sqlstate);
  if (rc != CS_OK) return rc;
  if (!strcmp(PQgetvalue(res, 0, 0), "t")) *mask |= CASES_ROLE_EXTERNAL_CASE_HANDLER;
  if (!strcmp(PQgetvalue(res, 0, 1), "t")) *mask |= CASES_ROLE_PROJECT_MANAGER;
  if (!strcmp(PQgetvalue(res, 0, 2), "t")) *mask |= CASES_ROLE_INSPECTOR;
  PQclear(res);
  return CS_OK;
}

json_t *cases_roles_json(unsigned mask) {
  json_t *a = json_array();
  if (mask & CASES_ROLE_EXTERNAL_CASE_HANDLER)
    json_array_append_new(a, json_string("external_case_handler"));
  if (mask & CASES_ROLE_PROJECT_MANAGER) json_array_append_new(a, json_string("project_manager"));
  if (mask & CASES_ROLE_INSPECTOR)
    json_array_append_new(a, json_string("inspector_extra_authority"));
  return a;
}
