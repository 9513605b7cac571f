/* SQL of /v1/api-clients. SQL only; the rules live in org_api_clients.c. */
#include <stdio.h>

#include "db.h"
#include "db_json.h"
#include "status.h"
#include "store_org_api_clients.h"
#include "store_org_common.h"

#define CLIENT_JSON \
  "json_build_object('id', a.id, 'portal_id', a.portal_id, 'company_id', a.company_id,"        \
  " 'name', a.name, 'client_id', a.client_id, 'active', a.active, 'created_by', a.created_by," \
  " 'created_at', " POLICY_ORG_TS("a.created_at") ","                                           \
  " 'updated_at', " POLICY_ORG_TS("a.updated_at") ")::text"

int policy_store_org_api_client_get(PGconn *conn, const char *portal, const char *id, json_t **out,
                                    char *sqlstate) {
  const char *p[] = {portal, id};
  return policy_store_org_row(conn,
                              "SELECT " CLIENT_JSON
                              " FROM api_clients a"
                              " WHERE a.portal_id = $1::uuid AND a.id = $2::uuid",
                              2, p, out, sqlstate);
}

int policy_store_org_api_client_list(PGconn *conn, const char *portal, const char *updated_since,
                                     const char *after_created_at, const char *after_id, long limit,
                                     json_t **rows, char *sqlstate) {
  char lim[24];
  snprintf(lim, sizeof(lim), "%ld", limit);
  const char *p[] = {portal, after_created_at, after_id, lim, updated_since};
  return db_json_rows(conn,
                      "SELECT " CLIENT_JSON
                      " FROM api_clients a WHERE a.portal_id = $1::uuid"
                      " AND ($5::timestamptz IS NULL OR a.updated_at >= $5::timestamptz)"
                      " AND " DB_AFTER_SQL("a.created_at", "a.id", "$2",
                                           "$3") " ORDER BY a.created_at, a.id LIMIT $4::int",
                      5, p, rows, sqlstate);
}

int policy_store_org_api_client_insert(PGconn *conn, const char *id, const char *portal,
                                       const char *company_id, const char *name,
                                       const char *client_id, const char *secret_hash,
                                       const char *created_by, char *sqlstate) {
  const char *p[] = {id, portal, company_id, name, client_id, secret_hash, created_by};
  return policy_store_org_exec(conn,
                               "INSERT INTO api_clients (id, portal_id, company_id, name,"
                               " client_id, secret_hash, created_by)"
                               " VALUES ($1, $2, $3, $4, $5, $6, $7)",
                               7, p, NULL, sqlstate);
}

int policy_store_org_api_client_deactivate(PGconn *conn, const char *portal, const char *id,
                                           char *sqlstate) {
  long n = 0;
  const char *p[] = {portal, id};
  if (policy_store_org_exec(conn,
                            "UPDATE api_clients SET active = false, updated_at = now()"
                            " WHERE portal_id = $1::uuid AND id = $2::uuid",
                            2, p, &n, sqlstate) != CS_OK)
    return CS_ERR_DB;
  return n > 0 ? CS_OK : CS_ERR_NOT_FOUND;
}
