/* SQL of the platform operator (schema policy, table platform_operators). SQL only; the rules
 * live in operators.c. Every function borrows conn and returns CS_OK or CS_ERR_DB (sqlstate,
 * when given, 6 bytes, holds the code). */
#ifndef CLAIMSUITE_POLICY_STORE_OPERATORS_H
#define CLAIMSUITE_POLICY_STORE_OPERATORS_H

#include <libpq-fe.h>

/* Makes client_id the one active operator, with secret_hash: its row is created with new_id, or
 * keeps its id and gets the new hash; every other operator is deactivated. Strings borrowed. */
int policy_store_operator_put(PGconn *conn, const char *new_id, const char *client_id,
                              const char *secret_hash, char *sqlstate);

/* Deactivates every operator (none is configured). */
int policy_store_operators_deactivate(PGconn *conn, char *sqlstate);

/* 1 in *active when id (a UUID, borrowed) is an active operator, else 0. */
int policy_store_operator_active(PGconn *conn, const char *id, int *active, char *sqlstate);

#endif
