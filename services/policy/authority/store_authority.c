/* SQL of role definitions, portal settings, decision facts and the decision log.
 * Parameterised statements only (db_exec). */
#include "store_authority.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "status.h"
#include "store_org_common.h"

/* ---- role definitions ------------------------------------------------------------------ */

static const char sql_role_get[] =
    "SELECT array_to_json(ARRAY(SELECT DISTINCT r FROM unnest(rights) r ORDER BY r))::text,"
    "       version"
    "  FROM role_definitions WHERE portal_id = $1::uuid AND role = $2";

int policy_store_role_lock(PGconn *conn, const char *portal_id, const char *role) {
  const char *p[] = {portal_id, role};
  return db_exec(conn,
                 "SELECT pg_advisory_xact_lock(hashtext('claimsuite_role.' || $1 || '.' || $2))", 2,
                 p, NULL, NULL);
}

int policy_store_role_get(PGconn *conn, const char *portal_id, const char *role, int for_update,
                          json_t **rights, int *version) {
  const char *params[] = {portal_id, role};
  char sql[sizeof(sql_role_get) + 16];
  PGresult *res = NULL;
  int rc;

  *rights = NULL;
  *version = 0;
  snprintf(sql, sizeof(sql), "%s%s", sql_role_get, for_update ? " FOR UPDATE" : "");
  if ((rc = db_exec(conn, sql, 2, params, &res, NULL)) != CS_OK) return rc;
  if (PQntuples(res) == 0) {
    *rights = json_array();
  } else {
    *rights = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
    *version = atoi(PQgetvalue(res, 0, 1));
  }
  rc = json_is_array(*rights) ? CS_OK : CS_ERR_NOMEM;
  if (rc != CS_OK) {
    json_decref(*rights);
    *rights = NULL;
  }
  PQclear(res);
  return rc;
}

static const char sql_role_put[] =
    "INSERT INTO role_definitions AS d (portal_id, role, rights, version)"
    " VALUES ($1::uuid, $2, ARRAY(SELECT json_array_elements_text($3::json)), 1)"
    " ON CONFLICT (portal_id, role) DO UPDATE"
    "   SET rights = EXCLUDED.rights, version = d.version + 1, updated_at = now()"
    " WHERE d.version = $4::int"
    " RETURNING d.version";

int policy_store_role_put(PGconn *conn, const char *portal_id, const char *role,
                          const json_t *rights, int expected_version, int *version) {
  char expected[16];
  char *text = json_dumps(rights, JSON_COMPACT);
  PGresult *res = NULL;
  int rc;

  if (text == NULL) return CS_ERR_NOMEM;
  snprintf(expected, sizeof(expected), "%d", expected_version);
  const char *params[] = {portal_id, role, text, expected};
  if ((rc = db_exec(conn, sql_role_put, 4, params, &res, NULL)) != CS_OK) goto done;
  if (PQntuples(res) != 1) {
    rc = CS_ERR_CONFLICT;
    goto done;
  }
  *version = atoi(PQgetvalue(res, 0, 0));
done:
  PQclear(res);
  free(text);
  return rc;
}

/* ---- portal settings ------------------------------------------------------------------- */

#define SETTINGS_JSON                                                                        \
  "json_build_object('portal_id', p.id, 'name', p.name, 'timezone', p.timezone,"             \
  " 'office_hours', json_build_object('start', to_char(p.office_hours_start, 'HH24:MI'),"    \
  "                                   'end', to_char(p.office_hours_end, 'HH24:MI')),"       \
  " 'office_days', array_to_json(p.office_days),"                                            \
  " 'public_holidays', array_to_json(ARRAY(SELECT to_char(d, 'YYYY-MM-DD')"                  \
  "                                          FROM unnest(p.public_holidays) d ORDER BY d))," \
  " 'enhanced_temporary_cases', p.enhanced_temporary_cases,"                                 \
  " 'temporary_cases_report', p.temporary_cases_report,"                                     \
  " 'default_budget_limit', p.default_budget_limit, 'currency', p.currency,"                 \
  " 'version', p.version)::text"

int policy_store_settings_get(PGconn *conn, const char *portal_id, int for_update, json_t **out) {
  const char *params[] = {portal_id};
  return policy_store_org_row(
      conn,
      for_update ? "SELECT " SETTINGS_JSON " FROM portals p WHERE p.id = $1::uuid FOR UPDATE"
                 : "SELECT " SETTINGS_JSON " FROM portals p WHERE p.id = $1::uuid",
      1, params, out, NULL);
}

int policy_store_timezone_known(PGconn *conn, const char *tz, int *valid) {
  const char *params[] = {tz};
  PGresult *res = NULL;
  int rc = db_exec(conn, "SELECT 1 FROM pg_timezone_names WHERE name = $1", 1, params, &res, NULL);
  *valid = rc == CS_OK && PQntuples(res) > 0;
  PQclear(res);
  return rc;
}

static const char sql_settings_update[] =
    "UPDATE portals p SET"
    "  name = COALESCE($2, p.name),"
    "  timezone = COALESCE($3, p.timezone),"
    "  office_hours_start = COALESCE($4::time, p.office_hours_start),"
    "  office_hours_end = COALESCE($5::time, p.office_hours_end),"
    "  office_days = CASE WHEN $6::json IS NULL THEN p.office_days ELSE"
    "    ARRAY(SELECT DISTINCT e::smallint FROM json_array_elements_text($6::json) e"
    "          ORDER BY 1) END,"
    "  public_holidays = CASE WHEN $7::json IS NULL THEN p.public_holidays ELSE"
    "    ARRAY(SELECT DISTINCT e::date FROM json_array_elements_text($7::json) e"
    "          ORDER BY 1) END,"
    "  enhanced_temporary_cases = COALESCE($8::boolean, p.enhanced_temporary_cases),"
    "  default_budget_limit = COALESCE($9::bigint, p.default_budget_limit),"
    "  currency = COALESCE($10, p.currency),"
    "  temporary_cases_report = COALESCE($11, p.temporary_cases_report),"
    "  version = p.version + 1, updated_at = now()"
    " WHERE p.id = $1::uuid"
    " RETURNING " SETTINGS_JSON;

/* A JSON member as a new text parameter (NULL when absent): strings as they are, others as
 * JSON text. */
static char *member_text(const json_t *patch, const char *name) {
  const json_t *v = json_object_get(patch, name);
  if (v == NULL) return NULL;
  if (json_is_string(v)) return strdup(json_string_value(v));
  if (json_is_true(v)) return strdup("true");
  if (json_is_false(v)) return strdup("false");
  return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

int policy_store_settings_update(PGconn *conn, const char *portal_id, const json_t *patch,
                                 json_t **out, char *sqlstate) {
  const json_t *hours = json_object_get(patch, "office_hours");
  char *p[11] = {NULL};
  int rc;

  p[0] = strdup(portal_id);
  p[1] = member_text(patch, "name");
  p[2] = member_text(patch, "timezone");
  p[3] = member_text(hours, "start");
  p[4] = member_text(hours, "end");
  p[5] = member_text(patch, "office_days");
  p[6] = member_text(patch, "public_holidays");
  p[7] = member_text(patch, "enhanced_temporary_cases");
  p[8] = member_text(patch, "default_budget_limit");
  p[9] = member_text(patch, "currency");
  p[10] = member_text(patch, "temporary_cases_report");
  const char *params[11];
  for (int i = 0; i < 11; i++) params[i] = p[i];
  rc = policy_store_org_row(conn, sql_settings_update, 11, params, out, sqlstate);
  for (int i = 0; i < 11; i++) free(p[i]);
  return rc;
}

/* ---- decisions ------------------------------------------------------------------------- */

/* The role definitions ride along (one round trip per decision); a user that is not found
 * needs none, so there is no row then. */
static const char sql_principal[] =
    "SELECT u.active, c.kind = 'insurer', u.external_case_handler, u.budget_limit,"
    "       EXISTS (SELECT 1 FROM company_portals cp"
    "                WHERE cp.company_id = u.company_id AND cp.portal_id = $2::uuid),"
    "       COALESCE((SELECT default_budget_limit FROM portals WHERE id = $2::uuid), 0),"
    "       (SELECT COALESCE(json_object_agg(d.role, array_to_json(d.rights)), '{}')::text"
    "          FROM role_definitions d WHERE d.portal_id = $2::uuid)"
    "  FROM users u JOIN companies c ON c.id = u.company_id"
    " WHERE u.id = $1::uuid";

int policy_store_principal_get(PGconn *conn, const char *user_id, const char *portal_id,
                               struct policy_store_principal *out) {
  const char *params[] = {user_id, portal_id};
  PGresult *res = NULL;
  int rc;

  memset(out, 0, sizeof(*out));
  if ((rc = db_exec(conn, sql_principal, 2, params, &res, NULL)) != CS_OK) return rc;
  rc = CS_OK;
  if (PQntuples(res) == 1) {
    out->found = 1;
    out->active = PQgetvalue(res, 0, 0)[0] == 't';
    out->insurer = PQgetvalue(res, 0, 1)[0] == 't';
    out->marked_external = PQgetvalue(res, 0, 2)[0] == 't';
    out->has_own_limit = !PQgetisnull(res, 0, 3);
    if (out->has_own_limit) out->own_limit = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
    out->in_portal = PQgetvalue(res, 0, 4)[0] == 't';
    out->default_limit = strtoll(PQgetvalue(res, 0, 5), NULL, 10);
    out->role_definitions = json_loads(PQgetvalue(res, 0, 6), 0, NULL);
    if (!json_is_object(out->role_definitions)) {
      log_error("the role definitions of a portal are not a JSON object");
      json_decref(out->role_definitions);
      out->role_definitions = NULL;
      rc = CS_ERR;
    }
  }
  PQclear(res);
  return rc;
}

int policy_store_decision_add(PGconn *conn, const char *portal_id, const char *user_id,
                              const char *action, int allow, const char *reason,
                              const json_t *case_roles, const long long *amount,
                              const long long *limit_remaining) {
  char amount_s[24], remaining_s[24];
  char *roles = json_dumps(case_roles, JSON_COMPACT);
  int rc;

  if (roles == NULL) return CS_ERR_NOMEM;
  if (amount != NULL) snprintf(amount_s, sizeof(amount_s), "%lld", *amount);
  if (limit_remaining != NULL) snprintf(remaining_s, sizeof(remaining_s), "%lld", *limit_remaining);
  const char *params[] = {portal_id,
                          user_id,
                          action,
                          allow ? "true" : "false",
                          reason,
                          roles,
                          amount != NULL ? amount_s : NULL,
                          limit_remaining != NULL ? remaining_s : NULL};
  rc = db_exec(conn,
               "INSERT INTO decision_log (portal_id, user_id, action, allow, reason, case_roles,"
               " amount, limit_remaining)"
               " VALUES ($1::uuid, $2::uuid, $3, $4::boolean, $5,"
               "         ARRAY(SELECT json_array_elements_text($6::json)), $7::bigint, $8::bigint)",
               8, params, NULL, NULL);
  free(roles);
  return rc;
}

static const char sql_decisions[] =
    "SELECT COALESCE(json_agg(json_build_object("
    "  'id', d.id::text, 'portal_id', d.portal_id, 'user_id', d.user_id, 'action', d.action, "
    "'allow', d.allow,"
    "  'reason', d.reason, 'case_roles', array_to_json(d.case_roles), 'amount', d.amount,"
    "  'limit_remaining', d.limit_remaining,"
    "  'decided_at', to_char(d.decided_at AT TIME ZONE 'UTC',"
    "                        'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')) ORDER BY d.id DESC), '[]')::text"
    "  FROM (SELECT * FROM decision_log"
    "         WHERE portal_id = $1::uuid"
    "           AND ($2::uuid IS NULL OR user_id = $2::uuid)"
    "           AND ($3::text IS NULL OR action = $3)"
    "           AND ($4::boolean IS NULL OR allow = $4::boolean)"
    "           AND id < coalesce($5::bigint, 9223372036854775807)"
    "         ORDER BY id DESC LIMIT $6::int) d";

int policy_store_decisions_list(PGconn *conn, const char *portal_id,
                                const struct policy_store_decision_filter *f, long limit,
                                json_t **items) {
  char limit_s[24];
  snprintf(limit_s, sizeof(limit_s), "%ld", limit);
  const char *params[] = {portal_id, f->user_id, f->action, f->allow, f->before_id, limit_s};
  int rc = policy_store_org_row(conn, sql_decisions, 6, params, items, NULL);
  if (rc == CS_OK && !json_is_array(*items)) {
    json_decref(*items);
    *items = NULL;
    rc = CS_ERR;
  }
  return rc;
}
