/* The platform operator's wiring and the HTTP side of its routes (operators.h says who it is). */
#ifndef CLAIMSUITE_POLICY_HTTP_OPERATORS_H
#define CLAIMSUITE_POLICY_HTTP_OPERATORS_H

#include <libpq-fe.h>

struct request_ctx;
struct service;

/* Hashes the configured secret now (argon2id; the secret itself is not kept) and registers the
 * start hook that writes the operator (policy_operator_bootstrap) once the database is ready.
 * client_id and secret: PLATFORM_OPERATOR_ID and its secret as read by main.c and judged by
 * policy_operator_settings_check; both NULL: no operator. Borrowed. Ends the process with 1
 * when the secret cannot be hashed. */
void policy_operator_wire(struct service *svc, const char *client_id, const char *secret);

/* The caller of an operator's route: CS_OK with *conn (a pooled connection, held for the rest of
 * the request; give it back with service_db_release) and *sub (the operator's id, borrowed from
 * the claims). Otherwise answers — 403 for a token of a user or API client, 401 for an operator
 * no longer configured, 503/5xx for the database — holds no connection and returns non-zero. */
int policy_operator_http_caller(struct request_ctx *ctx, PGconn **conn, const char **sub);

#endif
