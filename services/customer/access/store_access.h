/* SQL of the customer's access (migrations/0005_access.sql): grants, SMS codes, sessions. Every
 * token and code arrives here as its digest (secret_token.h); none is ever read back. Results:
 * CS_OK, or CS_ERR_DB with sqlstate (6 bytes) filled; CS_ERR_NOMEM when out of memory. */
#ifndef CLAIMSUITE_CUSTOMER_STORE_ACCESS_H
#define CLAIMSUITE_CUSTOMER_STORE_ACCESS_H

#include <jansson.h>
#include <libpq-fe.h>

/* ---- grants ---- */

/* What a new grant holds (borrowed strings; email, phone may be NULL, index < 0: none). */
struct customer_store_grant {
  const char *id, *portal_id, *case_id;
  const char *kind, *name, *email, *phone;
  int index;
  const char *granted_by, *created_by; /* created_by NULL for a trigger */
  const json_t *sent_to;               /* array of channels */
  const char *token_sha256;
};

/* Inserts g: *doc new (the grant as the API shows it, customer_store_access_get). */
int customer_store_access_insert(PGconn *conn, const struct customer_store_grant *g, json_t **doc,
                                 char sqlstate[6]);
/* The grants of case_id in portal_id, oldest first: *items new array of documents
 * {id, case_id, contact {kind, index, name, email, phone}, granted_by, created_by, created_at,
 * sent_to, revoked, revoked_at, revoked_by}. */
int customer_store_access_list(PGconn *conn, const char *portal_id, const char *case_id,
                               json_t **items, char sqlstate[6]);
/* One grant of case_id: *doc new, NULL when there is none; for_update locks it. */
int customer_store_access_get(PGconn *conn, const char *portal_id, const char *case_id,
                              const char *access_id, int for_update, json_t **doc,
                              char sqlstate[6]);
/* Revokes access_id (unless revoked already) and ends its open sessions, by the caller by. */
int customer_store_access_revoke(PGconn *conn, const char *access_id, const char *by,
                                 char sqlstate[6]);
/* The live (not revoked) grants of case_id: *items new array of {email, phone}. */
int customer_store_access_live(PGconn *conn, const char *case_id, json_t **items, char sqlstate[6]);
/* The live grant whose link token has this digest: *grant new {id, portal_id, case_id,
 * contact_name, contact_email, contact_phone}, NULL when none (unknown and revoked alike). */
int customer_store_access_by_token(PGconn *conn, const char *token_sha256, json_t **grant,
                                   char sqlstate[6]);

/* ---- SMS codes ---- */

/* The codes sent for access_id: *since_last seconds since the newest was sent (-1: none),
 * *last_live 1 when that one can still be used (not used, tries left, not expired), *last_hour
 * how many were sent in the last hour. */
int customer_store_code_sends(PGconn *conn, const char *access_id, long *since_last, int *last_live,
                              long *last_hour, char sqlstate[6]);
/* A new code for access_id, valid ttl_s seconds with tries tries. */
int customer_store_code_insert(PGconn *conn, const char *access_id, const char *code_sha256,
                               const char *channel, long ttl_s, int tries, char sqlstate[6]);
/* The newest code of access_id, locked: *code new {id, code_sha256, expired, used,
 * tries_left}, NULL when none was sent. Inside a transaction. */
int customer_store_code_latest(PGconn *conn, const char *access_id, json_t **code,
                               char sqlstate[6]);
/* A try of code id: right marks it used; wrong takes one try: *tries_left what remains. */
int customer_store_code_try(PGconn *conn, const char *id, int right, long *tries_left,
                            char sqlstate[6]);

/* ---- sessions ---- */

/* Opens a session of grant (access_id, case_id, portal_id) for ttl_s seconds under the token's
 * digest: *session new {id, case_id, expires_at}. */
int customer_store_session_insert(PGconn *conn, const char *token_sha256, const char *access_id,
                                  const char *case_id, const char *portal_id, long ttl_s,
                                  json_t **session, char sqlstate[6]);
/* The open session of this digest (not ended, not expired, its grant not revoked): *session new
 * {id, access_id, case_id, portal_id, contact_name, contact_email, expires_at, max_age}, NULL
 * when none. */
int customer_store_session_get(PGconn *conn, const char *token_sha256, json_t **session,
                               char sqlstate[6]);
/* Ends the session of this digest (nothing when there is none or it ended already). */
int customer_store_session_end(PGconn *conn, const char *token_sha256, char sqlstate[6]);

#endif
