/* SQL of /v1/companies. SQL only; the rules live in org_companies.c. */
#include <stdio.h>

#include "db.h"
#include "db_json.h"
#include "status.h"
#include "store_org_common.h"
#include "store_org_companies.h"

#define COMPANY_JSON \
  "json_build_object('id', c.id, 'kind', c.kind, 'name', c.name, 'org_number', c.org_number," \
  " 'version', c.version, 'created_at', " POLICY_ORG_TS("c.created_at") ","                   \
  " 'updated_at', " POLICY_ORG_TS("c.updated_at") ")::text"

int policy_store_org_company_visible(PGconn *conn, const char *portal, const char *scope,
                                     const char *company_id, int *visible, char *sqlstate) {
  json_t *row = NULL;
  const char *p[] = {portal, scope, company_id};
  int rc = policy_store_org_row(
      conn,
      "SELECT 'true' FROM companies c WHERE c.id = $3::uuid AND " POLICY_ORG_VISIBLE("c.id", "1",
                                                                                     "2"),
      3, p, &row, sqlstate);
  *visible = rc == CS_OK;
  json_decref(row);
  return rc == CS_ERR_NOT_FOUND ? CS_OK : rc;
}

static const struct policy_store_org_get company_get = POLICY_ORG_GET(
    "SELECT " COMPANY_JSON
    " FROM companies c WHERE c.id = $3::uuid AND " POLICY_ORG_VISIBLE("c.id", "1", "2"),
    "c");

int policy_store_org_company_get(PGconn *conn, const char *portal, const char *scope,
                                 const char *id, int for_update, json_t **out, char *sqlstate) {
  const char *p[] = {portal, scope, id};
  return policy_store_org_get(conn, &company_get, for_update, 3, p, out, sqlstate);
}

int policy_store_org_company_list(PGconn *conn, const char *portal, const char *scope,
                                  const char *kind, const char *updated_since,
                                  const char *after_created_at, const char *after_id, long limit,
                                  json_t **rows, char *sqlstate) {
  char lim[24];
  snprintf(lim, sizeof(lim), "%ld", limit);
  const char *p[] = {portal, scope, kind, after_created_at, after_id, lim, updated_since};
  return db_json_rows(
      conn,
      "SELECT " COMPANY_JSON " FROM companies c WHERE " POLICY_ORG_VISIBLE("c.id", "1", "2")
      " AND ($3::text IS NULL OR c.kind = $3)"
      " AND ($7::timestamptz IS NULL OR c.updated_at >= $7::timestamptz)"
      " AND " DB_AFTER_SQL("c.created_at", "c.id", "$4", "$5")
      " ORDER BY c.created_at, c.id LIMIT $6::int",
      7, p, rows, sqlstate);
}

int policy_store_org_company_insert(PGconn *conn, const char *id, const char *kind,
                                    const char *name, const char *org_number, const char *portal,
                                    char *sqlstate) {
  const char *p[] = {id, kind, name, org_number, portal};
  if (policy_store_org_exec(conn,
                            "INSERT INTO companies (id, kind, name, org_number)"
                            " VALUES ($1, $2, $3, $4)",
                            4, p, NULL, sqlstate) != CS_OK)
    return CS_ERR_DB;
  const char *q[] = {id, portal};
  return policy_store_org_exec(conn,
                               "INSERT INTO company_portals (company_id, portal_id)"
                               " VALUES ($1, $2)",
                               2, q, NULL, sqlstate);
}

int policy_store_org_company_update(PGconn *conn, const char *id, int has_name, const char *name,
                                    int has_org_number, const char *org_number, char *sqlstate) {
  const char *p[] = {id, has_name ? "1" : "0", name, has_org_number ? "1" : "0", org_number};
  return policy_store_org_exec(conn,
                               "UPDATE companies SET"
                               " name = CASE WHEN $2 = '1' THEN $3 ELSE name END,"
                               " org_number = CASE WHEN $4 = '1' THEN $5 ELSE org_number END,"
                               " version = version + 1, updated_at = now() WHERE id = $1::uuid",
                               5, p, NULL, sqlstate);
}

int policy_store_org_partner_by_org_number(PGconn *conn, const char *org_number, char *id,
                                           char *sqlstate) {
  json_t *row = NULL;
  const char *p[] = {org_number};
  int rc = policy_store_org_row(conn,
                                "SELECT to_json(c.id::text)::text FROM companies c"
                                " WHERE c.kind = 'partner' AND c.org_number = $1"
                                " ORDER BY c.created_at, c.id LIMIT 1",
                                1, p, &row, sqlstate);
  if (rc == CS_OK) snprintf(id, 37, "%s", json_string_value(row) ? json_string_value(row) : "");
  json_decref(row);
  return rc;
}

int policy_store_org_company_link(PGconn *conn, const char *company_id, const char *portal,
                                  int *added, char *sqlstate) {
  long n = 0;
  const char *p[] = {company_id, portal};
  int rc = policy_store_org_exec(conn,
                                 "INSERT INTO company_portals (company_id, portal_id)"
                                 " VALUES ($1::uuid, $2::uuid) ON CONFLICT DO NOTHING",
                                 2, p, &n, sqlstate);
  *added = n > 0;
  /* New to the portal's readers though its columns did not change: a change for them, so an
   * integrator syncing with updated_since (and a conditional GET) sees it. */
  if (rc == CS_OK && *added)
    rc = policy_store_org_exec(conn,
                               "UPDATE companies SET version = version + 1, updated_at = now()"
                               " WHERE id = $1::uuid",
                               1, p, NULL, sqlstate);
  return rc;
}

int policy_store_org_company_portals(PGconn *conn, const char *company_id, json_t **out,
                                     char *sqlstate) {
  const char *p[] = {company_id};
  return policy_store_org_row(conn,
                              "SELECT COALESCE(json_agg(cp.portal_id::text ORDER BY cp.portal_id),"
                              " '[]')::text FROM company_portals cp WHERE cp.company_id = $1::uuid",
                              1, p, out, sqlstate);
}
