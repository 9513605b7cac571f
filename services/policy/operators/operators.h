/* The platform operator: the one who onboards insurers (POST /v1/portals) and sees every portal,
 * and nothing inside one. Not a user of any portal: its own credential (client_id and secret,
 * stored as an argon2id hash in platform_operators), configured with PLATFORM_OPERATOR_ID and
 * PLATFORM_OPERATOR_SECRET (or PLATFORM_OPERATOR_SECRET_FILE) and written at every start: the
 * configured operator is the only active one, and without the setting none is. It gets a token
 * at POST /v1/auth/token with the client_credentials grant; the token's kind is "operator" and it
 * names no portal, company or level, so every portal resource refuses it as it refuses a token
 * that names no user or API client of a portal. SQL lives in store_operators.c. */
#ifndef CLAIMSUITE_POLICY_OPERATORS_H
#define CLAIMSUITE_POLICY_OPERATORS_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>

#define POLICY_OPERATOR_KIND "operator" /* the "kind" claim of an operator's token */
#define POLICY_OPERATOR_SECRET_MIN 16   /* bytes */
#define POLICY_OPERATOR_SECRET_MAX 1024 /* the token endpoint's longest client_secret */

/* Results of policy_operator_check besides CS_OK and CS_ERR_DB. */
enum policy_operator_status {
  POLICY_OPERATOR_NOT = -400, /* the token is not an operator's (a user's, a client's): 403 */
  POLICY_OPERATOR_GONE = -401 /* the operator is no longer the configured one: 401 */
};

/* Judges the configured credential (both NULL: none configured). client_id: 3 to 64 of
 * A-Z a-z 0-9 . _ - and not beginning with "cs_" (the API clients' prefix, so that a client_id
 * names one principal); secret: POLICY_OPERATOR_SECRET_MIN to _MAX bytes. CS_OK, or
 * CS_ERR_INVALID with why (naming the variable, never the secret) in err. Borrows both. */
int policy_operator_settings_check(const char *client_id, const char *secret, char *err,
                                   size_t errlen);

/* Inside conn's open transaction: makes client_id (with secret_hash, argon2id) the one active
 * operator, or, when client_id is NULL, deactivates every operator. CS_OK or CS_ERR_DB. */
int policy_operator_bootstrap(PGconn *conn, const char *client_id, const char *secret_hash);

/* The operator a token's claims (borrowed) name, as the database says now (once per request):
 * CS_OK with *sub (borrowed from claims); POLICY_OPERATOR_NOT for a token of another kind;
 * POLICY_OPERATOR_GONE when the operator is not active any more; CS_ERR_DB. */
int policy_operator_check(PGconn *conn, const json_t *claims, const char **sub);

#endif
