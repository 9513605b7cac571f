/* The customer's login to the customer page (login.c): the link's token opens a session at
 * once, or, with the portal's SMS security code on, sends a code first (by SMS to the grant's
 * phone, by email when it has none) and the code then opens it. Codes: 6 digits, stored as the
 * digest of the link's token and the code, valid 5 minutes, 5 tries, at most one per grant in
 * 30 s while it is usable and 10 an hour. Refusals, logged without tokens or codes:
 *   - an unknown, malformed or revoked link token: one 401 (PROBLEM_INVALID_CREDENTIALS) with
 *     the same detail, whatever the reason;
 *   - the case past its days after closure: 410;
 *   - a wrong code 401 with tries_left; a used code or none sent 401; an expired code 410;
 *     the sixth try of a code and a code asked for too often 429 (PROBLEM_TOO_MANY_ATTEMPTS)
 *     with retry_after (seconds) in the problem's extra members.
 * No HTTP here. */
#ifndef CLAIMSUITE_CUSTOMER_LOGIN_H
#define CLAIMSUITE_CUSTOMER_LOGIN_H

#include <jansson.h>
#include <libpq-fe.h>

#include "refusal.h"
#include "secret_token.h"

struct customer_login {
  /* a session opened: its token (the cookie's value; zeroed by customer_login_clear) */
  char session_token[SECRET_TOKEN_LEN + 1];
  json_t *session; /* {case_id, expires_at}, owned; NULL when a code was sent instead */
  long max_age;    /* seconds the session lasts */
  /* a code sent instead */
  int code_required;
  char sent_to[64]; /* the recipient, masked */
  long expires_in;  /* seconds the code lasts */
};
void customer_login_clear(struct customer_login *l); /* NULL-safe */

/* POST /v1/customer-portal/login: body {token} (borrowed). CS_OK with *out filled, or
 * CS_REFUSED. */
int customer_login_open(PGconn *conn, const json_t *body, struct customer_login *out,
                        struct cs_refusal *err);

/* POST /v1/customer-portal/login/code: body {token, code}. CS_OK with a session in *out, or
 * CS_REFUSED. */
int customer_login_code(PGconn *conn, const json_t *body, struct customer_login *out,
                        struct cs_refusal *err);

/* Ends the session whose token session_token is (may be NULL: nothing to end). CS_OK or
 * CS_REFUSED (database). */
int customer_login_end(PGconn *conn, const char *session_token, struct cs_refusal *err);

#endif
