/* SQL of /v1/users. SQL only; the rules live in org_users.c. */
#include <stdio.h>

#include "db.h"
#include "db_json.h"
#include "status.h"
#include "store_org_common.h"
#include "store_org_users.h"

#define USER_JSON \
  "json_build_object('id', u.id, 'company_id', u.company_id, 'email', u.email, 'name', u.name," \
  " 'mobile', u.mobile, 'authority_level', u.authority_level, 'active', u.active,"             \
  " 'external_case_handler', u.external_case_handler, 'budget_limit', u.budget_limit,"         \
  " 'offices', COALESCE((SELECT json_agg(uo.office_id ORDER BY uo.office_id)"                  \
  "   FROM user_offices uo WHERE uo.user_id = u.id), '[]'::json),"                             \
  " 'org_roles', COALESCE((SELECT json_agg(r.role ORDER BY r.role)"                            \
  "   FROM user_org_roles r WHERE r.user_id = u.id), '[]'::json),"                             \
  " 'version', u.version, 'created_at', " POLICY_ORG_TS("u.created_at") ","                    \
  " 'updated_at', " POLICY_ORG_TS("u.updated_at") ")::text"

static const struct policy_store_org_get user_get = POLICY_ORG_GET(
    "SELECT " USER_JSON
    " FROM users u WHERE u.id = $3::uuid AND " POLICY_ORG_VISIBLE("u.company_id", "1", "2"),
    "u");

int policy_store_org_user_get(PGconn *conn, const char *portal, const char *scope, const char *id,
                              int for_update, json_t **out, char *sqlstate) {
  const char *p[] = {portal, scope, id};
  return policy_store_org_get(conn, &user_get, for_update, 3, p, out, sqlstate);
}

int policy_store_org_user_list(PGconn *conn, const char *portal, const char *scope,
                               const struct policy_store_org_user_filter *f, json_t **rows,
                               char *sqlstate) {
  char limit[24];
  snprintf(limit, sizeof(limit), "%ld", f->limit);
  const char *p[] = {
      portal,          scope, f->company_id,       f->office_id, f->external_case_handler,
      f->active,       f->q,  f->after_created_at, f->after_id,  limit,
      f->updated_since};
  return db_json_rows(
      conn,
      "SELECT " USER_JSON " FROM users u WHERE " POLICY_ORG_VISIBLE("u.company_id", "1", "2")
      " AND ($3::uuid IS NULL OR u.company_id = $3::uuid)"
      " AND ($4::uuid IS NULL OR EXISTS (SELECT 1 FROM user_offices fo"
      "      WHERE fo.user_id = u.id AND fo.office_id = $4::uuid))"
      " AND ($5::boolean IS NULL OR u.external_case_handler = $5::boolean)"
      " AND ($6::boolean IS NULL OR u.active = $6::boolean)"
      " AND ($7::text IS NULL OR strpos(lower(u.name), lower($7)) > 0"
      "      OR strpos(lower(u.email), lower($7)) > 0)"
      /* planned with the values (unnamed statement): a given $11 is a range of users_updated */
      " AND ($11::timestamptz IS NULL OR u.updated_at >= $11::timestamptz)"
      " AND " DB_AFTER_SQL("u.created_at", "u.id", "$8", "$9")
      " ORDER BY u.created_at, u.id LIMIT $10::int",
      11, p, rows, sqlstate);
}

int policy_store_org_email_taken(PGconn *conn, const char *email, int *taken, char *sqlstate) {
  json_t *row = NULL;
  const char *p[] = {email};
  int rc = policy_store_org_row(conn, "SELECT 'true' FROM users WHERE lower(email) = lower($1)", 1,
                                p, &row, sqlstate);
  *taken = rc == CS_OK;
  json_decref(row);
  return rc == CS_ERR_NOT_FOUND ? CS_OK : rc;
}

int policy_store_org_user_insert(PGconn *conn, const char *id,
                                 const struct policy_store_org_user_values *v, char *sqlstate) {
  const char *p[] = {id,
                     v->company_id,
                     v->email,
                     v->name,
                     v->mobile,
                     v->password_hash,
                     v->authority_level,
                     v->active ? v->active : "true",
                     v->external_case_handler ? v->external_case_handler : "false",
                     v->budget_limit};
  return policy_store_org_exec(
      conn,
      "INSERT INTO users (id, company_id, email, name, mobile, password_hash, authority_level,"
      " active, external_case_handler, budget_limit)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7::smallint, $8::boolean, $9::boolean, $10::bigint)",
      10, p, NULL, sqlstate);
}

int policy_store_org_user_update(PGconn *conn, const char *id,
                                 const struct policy_store_org_user_values *v, char *sqlstate) {
#define FLAG(x) ((x) ? "1" : "0")
  const char *p[] = {id,
                     FLAG(v->has_name),
                     v->name,
                     FLAG(v->has_mobile),
                     v->mobile,
                     FLAG(v->has_authority_level),
                     v->authority_level,
                     FLAG(v->has_active),
                     v->active,
                     FLAG(v->has_external_case_handler),
                     v->external_case_handler,
                     FLAG(v->has_budget_limit),
                     v->budget_limit};
#undef FLAG
  return policy_store_org_exec(
      conn,
      "UPDATE users SET"
      " name = CASE WHEN $2 = '1' THEN $3 ELSE name END,"
      " mobile = CASE WHEN $4 = '1' THEN $5 ELSE mobile END,"
      " authority_level = CASE WHEN $6 = '1' THEN $7::smallint ELSE authority_level END,"
      " active = CASE WHEN $8 = '1' THEN $9::boolean ELSE active END,"
      " external_case_handler = CASE WHEN $10 = '1' THEN $11::boolean"
      "   ELSE external_case_handler END,"
      " budget_limit = CASE WHEN $12 = '1' THEN $13::bigint ELSE budget_limit END,"
      " version = version + 1, updated_at = now()"
      " WHERE id = $1::uuid",
      13, p, NULL, sqlstate);
}

int policy_store_org_offices_in_company(PGconn *conn, const char *company_id, const char *offices,
                                        long *count, char *sqlstate) {
  json_t *row = NULL;
  const char *p[] = {company_id, offices};
  int rc = policy_store_org_row(conn,
                                "SELECT count(*)::text FROM offices"
                                " WHERE company_id = $1::uuid AND id = ANY($2::uuid[])",
                                2, p, &row, sqlstate);
  *count = rc == CS_OK ? (long)json_integer_value(row) : 0;
  json_decref(row);
  return rc;
}

int policy_store_org_user_set_offices(PGconn *conn, const char *id, const char *offices,
                                      char *sqlstate) {
  const char *p[] = {id, offices};
  if (policy_store_org_exec(conn,
                            "DELETE FROM user_offices WHERE user_id = $1::uuid"
                            " AND NOT (office_id = ANY($2::uuid[]))",
                            2, p, NULL, sqlstate) != CS_OK)
    return CS_ERR_DB;
  return policy_store_org_exec(conn,
                               "INSERT INTO user_offices (user_id, office_id)"
                               " SELECT $1::uuid, o FROM unnest($2::uuid[]) o"
                               " ON CONFLICT DO NOTHING",
                               2, p, NULL, sqlstate);
}

int policy_store_org_user_set_roles(PGconn *conn, const char *id, const char *roles,
                                    char *sqlstate) {
  const char *p[] = {id, roles};
  if (policy_store_org_exec(conn,
                            "DELETE FROM user_org_roles WHERE user_id = $1::uuid"
                            " AND NOT (role = ANY($2::text[]))",
                            2, p, NULL, sqlstate) != CS_OK)
    return CS_ERR_DB;
  if (policy_store_org_exec(conn,
                            "INSERT INTO user_org_roles (user_id, role)"
                            " SELECT $1::uuid, r FROM unnest($2::text[]) r ON CONFLICT DO NOTHING",
                            2, p, NULL, sqlstate) != CS_OK)
    return CS_ERR_DB;
  return policy_store_org_exec(conn,
                               "UPDATE users SET version = version + 1, updated_at = now()"
                               " WHERE id = $1::uuid",
                               1, p, NULL, sqlstate);
}
