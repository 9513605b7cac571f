/* SQL of the external case handler role and of the recommendations' damage site
 * (store_ech.c). Parameterised statements only. Every function returns CS_OK or CS_ERR_DB with
 * sqlstate (6 bytes) filled in; a function returning JSON gives a new reference. */
#ifndef CLAIMSUITE_CASES_STORE_ECH_H
#define CLAIMSUITE_CASES_STORE_ECH_H

#include <jansson.h>
#include <libpq-fe.h>

/* The office (and its company) given the role, as the names they have now. */
struct cases_store_ech_office {
  const char *id, *name, *company_id, *company_name; /* borrowed */
};

/* Gives the role to office (no user yet). *after is the case's new "external_case_handler"
 * member (a new reference). */
int cases_store_ech_set_office(PGconn *conn, const char *case_id,
                               const struct cases_store_ech_office *office, json_t **after,
                               char sqlstate[6]);
/* Names the user holding the role in the office's company; *after as above. */
int cases_store_ech_set_user(PGconn *conn, const char *case_id, const char *user_id,
                             const char *user_name, json_t **after, char sqlstate[6]);
/* Takes the role away (office and user). */
int cases_store_ech_clear(PGconn *conn, const char *case_id, char sqlstate[6]);

#endif
