/* The rules of the token endpoint and /v1/me, shared by http_auth.c (HTTP) and auth.c (domain).
 * Private to the policy service's auth files. */
#ifndef CLAIMSUITE_POLICY_AUTH_INTERNAL_H
#define CLAIMSUITE_POLICY_AUTH_INTERNAL_H

#include <jansson.h>
#include <libpq-fe.h>

#include "jwt.h"

struct db_pool;

/* Throttling of logins (auth_failures, store_auth.h): attempts not given back by a success count
 * together within 15 minutes, per key. */
#define POLICY_AUTH_WINDOW_S 900L
/* a subject (username or client_id) from one address: its own typing, or one guesser */
#define POLICY_AUTH_SUBJECT_ADDRESS_LIMIT \
  { 5, 60L, 900L }
/* a subject from anywhere: guessing spread over many addresses */
#define POLICY_AUTH_SUBJECT_LIMIT \
  { 20, 60L, 900L }
/* an address: many subjects guessed from one place are slowed down, but the people behind it
 * (an office, a NAT) are never kept out for more than 8 s at a time */
#define POLICY_AUTH_ADDRESS_LIMIT \
  { 20, 1L, 8L }

#define POLICY_AUTH_TOKEN_TTL_DEFAULT_S 3600L
#define POLICY_AUTH_ISSUER JWT_ISSUER

/* Outcomes of a token request besides CS_OK and the CS_ERR_* codes (CS_ERR_TIMEOUT: no database
 * connection; CS_ERR_DB, CS_ERR_NOMEM, CS_ERR: failures already logged). */
enum policy_auth_status {
  POLICY_AUTH_DENIED = -100,            /* wrong credentials, unknown or inactive principal */
  POLICY_AUTH_THROTTLED = -101,         /* the subject or the address is blocked for now */
  POLICY_AUTH_PORTAL_REQUIRED = -102,   /* the company serves several portals: say which */
  POLICY_AUTH_PORTAL_NOT_SERVED = -103, /* the portal asked for is not one of them */
  POLICY_AUTH_NO_PORTAL = -104,         /* the company serves no portal at all */
  POLICY_AUTH_PRINCIPAL_GONE = -105     /* /v1/me: the token's principal is no longer active */
};

enum policy_auth_grant_kind { POLICY_GRANT_PASSWORD, POLICY_GRANT_CLIENT_CREDENTIALS };

/* A decoded token request; every string is borrowed from the request. */
struct policy_auth_grant {
  enum policy_auth_grant_kind kind;
  const char *username, *password, *portal; /* password grant; portal may be NULL */
  const char *client_id, *client_secret;    /* client_credentials */
  const char *client_ip;                    /* dotted IPv4 of the caller, NULL when unknown */
};

/* Settings read once by policy_auth_routes, before any request is served. */
struct policy_auth_settings {
  long token_ttl_s;
};

/* Stores the settings (copied). Call once at start. */
void policy_auth_configure(const struct policy_auth_settings *s);
long policy_auth_token_ttl(void);

/* Runs a grant: throttle check (before any password is verified), principal lookup, argon2id
 * verification (also for unknown principals, so timing tells nothing), failure counting or
 * clearing, portal choice, then signs the token. The pool is borrowed and no connection is held
 * while a password is verified.
 * CS_OK: *token is a new compact JWT (free()). POLICY_AUTH_THROTTLED: *retry_after_s >= 1.
 * Otherwise one of enum policy_auth_status or a CS_ERR_* code. */
int policy_auth_grant_run(struct db_pool *pool, const struct policy_auth_grant *g, char **token,
                          long *retry_after_s);

/* GET /v1/me: the profile of the token's principal. claims borrowed, conn borrowed; *out a new
 * reference. POLICY_AUTH_PRINCIPAL_GONE when the token does not name an active user or client
 * of its portal any more; CS_ERR_DB on a database failure. */
int policy_auth_me(PGconn *conn, const json_t *claims, json_t **out);

#endif
