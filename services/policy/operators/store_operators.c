/* SQL of the platform operator. Parameterised statements only. */
#include "store_operators.h"

#include <stddef.h>

#include "db.h"
#include "status.h"

int policy_store_operator_put(PGconn *conn, const char *new_id, const char *client_id,
                              const char *secret_hash, char *sqlstate) {
  const char *p[] = {new_id, client_id, secret_hash};
  const char *others[] = {client_id};
  if (db_exec(conn,
              "INSERT INTO platform_operators (id, client_id, secret_hash) VALUES ($1, $2, $3)"
              " ON CONFLICT (client_id) DO UPDATE SET secret_hash = EXCLUDED.secret_hash,"
              " active = true, updated_at = now()",
              3, p, NULL, sqlstate) != CS_OK)
    return CS_ERR_DB;
  return db_exec(conn,
                 "UPDATE platform_operators SET active = false, updated_at = now()"
                 " WHERE client_id <> $1 AND active",
                 1, others, NULL, sqlstate);
}

int policy_store_operators_deactivate(PGconn *conn, char *sqlstate) {
  return db_exec(conn,
                 "UPDATE platform_operators SET active = false, updated_at = now() WHERE active", 0,
                 NULL, NULL, sqlstate);
}

int policy_store_operator_active(PGconn *conn, const char *id, int *active, char *sqlstate) {
  const char *p[] = {id};
  PGresult *res = NULL;
  *active = 0;
  if (db_exec(conn, "SELECT 1 FROM platform_operators WHERE id = $1::uuid AND active", 1, p, &res,
              sqlstate) != CS_OK)
    return CS_ERR_DB;
  *active = PQntuples(res) == 1;
  PQclear(res);
  return CS_OK;
}
