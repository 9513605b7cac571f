/* The customer's side of the page: a session that one access link (and, when the portal wants
 * it, an SMS code) opened, scoped to that one case. Routes under /v1/customer-portal/ (no staff
 * token: the gateway lets them through) load it first. Implemented in portal_session.c. */
#ifndef CLAIMSUITE_CUSTOMER_PORTAL_SESSION_H
#define CLAIMSUITE_CUSTOMER_PORTAL_SESSION_H

#include <jansson.h>
#include <libpq-fe.h>

#include "refusal.h"

struct _u_request;

struct customer_portal_session {
  char session_id[37];
  char access_id[37]; /* the grant (access.h) the session was opened with */
  char case_id[37];
  char portal_id[37];
  char contact_name[201];
  char contact_email[255]; /* "" when the contact has none */
  json_t *casefile;        /* the case (casefile.h customer_casefile_get), owned */
  json_t *settings;        /* the case's effective settings, owned */
  char expires_at[40];     /* when the session ends at the latest (RFC 3339, UTC) */
};

/* The session the request carries (its cookie, see below), checked against
 * the database: still open, its grant not revoked, the case still visible (closure plus the
 * configured days). CS_OK with *s filled (clear it with customer_portal_session_clear), or
 * CS_REFUSED with err: 401 for no, an unknown, expired or revoked session (one answer for all),
 * 410 for a case no longer shown, 503 for the database. */
int customer_portal_session_load(PGconn *conn, const struct _u_request *req,
                                 struct customer_portal_session *s, struct cs_refusal *err);
void customer_portal_session_clear(struct customer_portal_session *s); /* NULL-safe */

/* The session's token travels only in the cookie CUSTOMER_PORTAL_COOKIE (HttpOnly, Secure,
 * SameSite=Strict, Path=/), set by POST /v1/customer-portal/login; an Authorization header is
 * not read on these routes: a staff token is never a customer's session. */
#define CUSTOMER_PORTAL_COOKIE "claimsuite_customer"

#endif
