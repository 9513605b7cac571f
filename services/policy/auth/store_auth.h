/* SQL of the token endpoint and /v1/me (schema policy): the principals that may log in, the
 * throttle of failed logins (auth_failures) and the current principal's profile. SQL only; the
 * rules live in auth.c. Every function borrows conn and returns CS_OK or CS_ERR_DB (logged),
 * CS_ERR_NOT_FOUND or CS_ERR_NOMEM as stated. */
#ifndef CLAIMSUITE_POLICY_STORE_AUTH_H
#define CLAIMSUITE_POLICY_STORE_AUTH_H

#include <jansson.h>
#include <libpq-fe.h>

/* A principal that may ask for a token: an active user (by email), or an active API client or
 * platform operator (by client_id). Every string is owned by the struct; free with
 * policy_store_login_free. */
struct policy_store_login {
  char *id;          /* users.id or api_clients.id */
  char *secret_hash; /* argon2id encoded password or client secret; NULL: none set */
  char *company_id;  /* NULL for the operator */
  char *company_kind; /* insurer, partner, customer, agent; NULL for the operator */
  char *email;        /* users only */
  char *name;
  char *client_id;     /* clients and the operator */
  int authority_level; /* users only (1..6), 0 for clients */
  json_t *portal_ids;  /* array of portal id strings, sorted: the portals the user's company
                        * serves, the client's one portal, none for the operator (owned
                        * reference) */
  int is_operator;     /* the platform operator (platform_operators), not an API client */
};

/* Releases what l owns and zeroes it; NULL-safe. */
void policy_store_login_free(struct policy_store_login *l);

/* The active user whose email equals username case-insensitively (lower() on both sides), with
 * the company and its portals. username is borrowed. *out is filled (free it with
 * policy_store_login_free) or left zeroed with CS_ERR_NOT_FOUND. */
int policy_store_login_user(PGconn *conn, const char *username, struct policy_store_login *out);

/* The active API client with this client_id (exact match), its company and portal, or else the
 * active platform operator with this client_id (is_operator; the two never share a client_id:
 * an operator's never begins with "cs_"). Same ownership and results as
 * policy_store_login_user. */
int policy_store_login_client(PGconn *conn, const char *client_id, struct policy_store_login *out);

/* Login throttling (migrations/0006_login_attempts.sql). The keys of an attempt, built in SQL
 * from prefix ("user:" or "client:"), the subject (lower-cased, so any case of a username is
 * the same) and the client address ip (may be NULL: then only the first key):
 *   prefix||subject                    the subject from anywhere
 *   "from:"||ip||" "||prefix||subject  the subject from this address
 *   "ip:"||ip                          the address
 * each with its threshold, first block and longest block (struct policy_throttle). */
struct policy_throttle {
  int threshold;    /* attempts not given back within the window */
  long block_s;     /* the first block; each further one lasts twice as long */
  long block_max_s; /* ... at most this */
};

/* Counts one attempt on the three keys before the credentials are checked: *retry_after_s 0
 * when it may go ahead, else how long to wait (the attempt then counts on none). Strings
 * borrowed; limits: subject, subject from address, address. */
int policy_store_login_attempt(PGconn *conn, const char *prefix, const char *subject,
                               const char *ip, const struct policy_throttle limits[3],
                               long window_s, long *retry_after_s);

/* The credentials were right: the subject's counts are forgotten, the address gets its attempt
 * back. */
int policy_store_login_succeeded(PGconn *conn, const char *prefix, const char *subject,
                                 const char *ip);

/* Deletes keys that neither failed nor were blocked within window_s (housekeeping). */
int policy_store_throttle_purge(PGconn *conn, long window_s);

/* GET /v1/me of an active user working in portal_id (the company must still serve it):
 * {id, kind, email, name, mobile, authority_level, external_case_handler, budget_limit,
 * company{id,name,kind}, portal{id,name,currency,timezone}, offices[{id,name}], org_roles[]}.
 * user_id and portal_id must be UUIDs (borrowed). *out is a new reference; CS_ERR_NOT_FOUND
 * when the user is gone, inactive or no longer in that portal. */
int policy_store_me_user(PGconn *conn, const char *user_id, const char *portal_id, json_t **out);

/* The same for an active API client of portal_id: {id, kind, client_id, name, company{...},
 * portal{...}}. */
int policy_store_me_client(PGconn *conn, const char *client_pk, const char *portal_id,
                           json_t **out);

#endif
