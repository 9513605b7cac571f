/* SQL of /v1/portals. Parameterised statements only. */
#include "store_portals.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_json.h"
#include "status.h"
#include "store_org_common.h"

#define PORTAL_JSON \
  "json_build_object('id', p.id, 'name', p.name, 'timezone', p.timezone," \
  " 'office_hours', json_build_object('start', to_char(p.office_hours_start, 'HH24:MI')," \
  "                                   'end', to_char(p.office_hours_end, 'HH24:MI'))," \
  " 'office_days', array_to_json(p.office_days)," \
  " 'public_holidays', array_to_json(ARRAY(SELECT to_char(d, 'YYYY-MM-DD')" \
  "                                          FROM unnest(p.public_holidays) d ORDER BY d))," \
  " 'enhanced_temporary_cases', p.enhanced_temporary_cases," \
  " 'temporary_cases_report', p.temporary_cases_report," \
  " 'default_budget_limit', p.default_budget_limit, 'currency', p.currency," \
  " 'insurer', json_build_object('id', c.id, 'name', c.name, 'org_number', c.org_number)," \
  " 'version', p.version, 'created_at', " POLICY_ORG_TS("p.created_at") "," \
  " 'updated_at', " POLICY_ORG_TS("p.updated_at") ")::text" \
  " FROM portals p JOIN companies c ON c.id = p.insurer_company_id"

int policy_store_portal_get(PGconn *conn, const char *id, json_t **out, char *sqlstate) {
  const char *p[] = {id};
  return policy_store_org_row(conn, "SELECT " PORTAL_JSON " WHERE p.id = $1::uuid", 1, p, out,
                              sqlstate);
}

int policy_store_portal_list(PGconn *conn, const char *after_created_at, const char *after_id,
                             long limit, json_t **rows, char *sqlstate) {
  char lim[24];
  snprintf(lim, sizeof(lim), "%ld", limit);
  const char *p[] = {after_created_at, after_id, lim};
  return db_json_rows(conn,
                      "SELECT " PORTAL_JSON
                      " WHERE " DB_AFTER_SQL("p.created_at", "p.id", "$1",
                                             "$2") " ORDER BY p.created_at, p.id LIMIT $3::int",
                      3, p, rows, sqlstate);
}

int policy_store_portal_insurer_taken(PGconn *conn, const char *org_number, int *taken,
                                      char *sqlstate) {
  const char *p[] = {org_number};
  PGresult *res = NULL;
  *taken = 0;
  if (db_exec(conn, "SELECT 1 FROM companies WHERE kind = 'insurer' AND org_number = $1", 1, p,
              &res, sqlstate) != CS_OK)
    return CS_ERR_DB;
  *taken = PQntuples(res) > 0;
  PQclear(res);
  return CS_OK;
}

int policy_store_portal_insurer_insert(PGconn *conn, const char *id, const char *name,
                                       const char *org_number, char *sqlstate) {
  const char *p[] = {id, name, org_number};
  return policy_store_org_exec(conn,
                               "INSERT INTO companies (id, kind, name, org_number)"
                               " VALUES ($1, 'insurer', $2, $3)",
                               3, p, NULL, sqlstate);
}

/* The defaults are those of the portals table; arrays collapse duplicates and are sorted, as
 * the settings PATCH stores them. */
static const char sql_portal_insert[] =
    "INSERT INTO portals (id, insurer_company_id, name, timezone, office_hours_start,"
    " office_hours_end, office_days, public_holidays, enhanced_temporary_cases,"
    " default_budget_limit, currency, temporary_cases_report)"
    " VALUES ($1, $2, $3, COALESCE($4, 'Europe/Stockholm'), COALESCE($5::time, '08:00'),"
    "  COALESCE($6::time, '16:00'),"
    "  CASE WHEN $7::json IS NULL THEN '{1,2,3,4,5}'::smallint[] ELSE"
    "    ARRAY(SELECT DISTINCT e::smallint FROM json_array_elements_text($7::json) e"
    "          ORDER BY 1) END,"
    "  CASE WHEN $8::json IS NULL THEN '{}'::date[] ELSE"
    "    ARRAY(SELECT DISTINCT e::date FROM json_array_elements_text($8::json) e"
    "          ORDER BY 1) END,"
    "  COALESCE($9::boolean, false), COALESCE($10::bigint, 0), COALESCE($11, 'SEK'),"
    "  COALESCE($12, 'weekly'))";

/* A JSON member as a new text parameter (NULL when absent or null): strings as they are,
 * others as JSON text. */
static char *member_text(const json_t *o, const char *name) {
  const json_t *v = json_object_get(o, name);
  if (v == NULL || json_is_null(v)) return NULL;
  if (json_is_string(v)) return strdup(json_string_value(v));
  return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

int policy_store_portal_insert(PGconn *conn, const char *id, const char *insurer_id,
                               const json_t *body, char *sqlstate) {
  const json_t *hours = json_object_get(body, "office_hours");
  char *t[9] = {member_text(body, "timezone"),
                member_text(hours, "start"),
                member_text(hours, "end"),
                member_text(body, "office_days"),
                member_text(body, "public_holidays"),
                member_text(body, "enhanced_temporary_cases"),
                member_text(body, "default_budget_limit"),
                member_text(body, "currency"),
                member_text(body, "temporary_cases_report")};
  const char *p[] = {id,   insurer_id, json_string_value(json_object_get(body, "name")),
                     t[0], t[1],       t[2],
                     t[3], t[4],       t[5],
                     t[6], t[7],       t[8]};
  const char *link[] = {insurer_id, id};
  int rc = policy_store_org_exec(conn, sql_portal_insert, 12, p, NULL, sqlstate);
  if (rc == CS_OK)
    rc = policy_store_org_exec(
        conn, "INSERT INTO company_portals (company_id, portal_id) VALUES ($1, $2)", 2, link, NULL,
        sqlstate);
  for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) free(t[i]);
  return rc;
}
