/* SQL of the external case handler role (see store_ech.h). The role's columns live on the case
 * row (ech_*); the API's shape of them comes from case_document (migrations/0001_cases.sql), so
 * what a change returns is exactly what the case document will say. */
#include "store_ech.h"

#include <string.h>

#include "db.h"
#include "db_json.h"
#include "status.h"

/* The "external_case_handler" member of the updated row, JSON null when nobody holds it. */
#define ECH_MEMBER_SQL \
  " RETURNING COALESCE(case_document(cases)->'external_case_handler', 'null'::json)::text"

/* Runs an UPDATE ... ECH_MEMBER_SQL: *after the member of the updated row (a new reference);
 * CS_ERR when no row was updated. */
static int update_member(PGconn *conn, const char *sql, int n, const char *const *params,
                         json_t **after, char sqlstate[6]) {
  int rc = db_json_row(conn, sql, n, params, after, sqlstate);
  return rc == CS_OK && *after == NULL ? CS_ERR : rc;
}

int cases_store_ech_set_office(PGconn *conn, const char *case_id,
                               const struct cases_store_ech_office *office, json_t **after,
                               char sqlstate[6]) {
  const char *params[] = {case_id, office->id, office->name, office->company_id,
                          office->company_name};
  return update_member(conn,
                       "UPDATE cases SET ech_office_id = $2::uuid, ech_office_name = $3, "
                       "ech_company_id = $4::uuid, ech_company_name = $5, "
                       "ech_office_assigned_at = now(), ech_user_id = NULL, ech_user_name = NULL, "
                       "ech_user_assigned_at = NULL WHERE id = $1::uuid" ECH_MEMBER_SQL,
                       5, params, after, sqlstate);
}

int cases_store_ech_set_user(PGconn *conn, const char *case_id, const char *user_id,
                             const char *user_name, json_t **after, char sqlstate[6]) {
  const char *params[] = {case_id, user_id, user_name};
  return update_member(conn,
                       "UPDATE cases SET ech_user_id = $2::uuid, ech_user_name = $3, "
                       "ech_user_assigned_at = now() "
                       "WHERE id = $1::uuid AND ech_office_id IS NOT NULL" ECH_MEMBER_SQL,
                       3, params, after, sqlstate);
}

int cases_store_ech_clear(PGconn *conn, const char *case_id, char sqlstate[6]) {
  const char *params[] = {case_id};
  return db_exec(conn,
                 "UPDATE cases SET ech_office_id = NULL, ech_office_name = NULL, "
                 "ech_company_id = NULL, ech_company_name = NULL, ech_office_assigned_at = NULL, "
                 "ech_user_id = NULL, ech_user_name = NULL, ech_user_assigned_at = NULL "
                 "WHERE id = $1::uuid",
                 1, params, NULL, sqlstate);
}
