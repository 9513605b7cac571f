/* SQL of temporary cases (temporary/store_temporary.c). Every function: CS_OK, or CS_ERR_DB
 * with sqlstate (6 bytes) filled. */
#ifndef CLAIMSUITE_CASES_STORE_TEMPORARY_H
#define CLAIMSUITE_CASES_STORE_TEMPORARY_H

#include <jansson.h>
#include <libpq-fe.h>

/* Whether office_id may open a temporary case in portal_id now, as the authority replica has
 * the facts (the office's permission, the portal's office hours, office days, public holidays
 * and time zone; PostgreSQL does the time-zone arithmetic): *out {permission (never |
 * outside_office_hours | always; NULL for an unknown office), office_name, inside (now is
 * inside office hours), start, end ("HH:MM"), timezone, local ("YYYY-MM-DD HH:MM"), office_day,
 * holiday, enhanced (the portal's enhanced temporary cases)}, NULL for an unknown portal. */
int cases_store_temporary_window(PGconn *conn, const char *portal_id, const char *office_id,
                                 json_t **out, char sqlstate[6]);
/* The next number of a temporary case without a claim number: "TEMPORARY-000123". */
int cases_store_temporary_number(PGconn *conn, char out[32], char sqlstate[6]);
/* Marks the new case case_id temporary, opened by office ({id, name, company_id}). */
int cases_store_temporary_mark(PGconn *conn, const char *case_id, const json_t *office,
                               char sqlstate[6]);
/* Makes the temporary case an ordinary one with its claim number and case handler. */
int cases_store_temporary_convert(PGconn *conn, const char *case_id, const char *claim_number,
                                  const char *case_handler_id, char sqlstate[6]);
/* The case id of portal_id locked (FOR UPDATE): *doc its document, NULL when none. */
int cases_store_case_for_update(PGconn *conn, const char *portal_id, const char *id, json_t **doc,
                                char sqlstate[6]);
/* Moves everything of the temporary case source into target (tasks with their reports, money
 * and RFQs, documents, chat, calls; the contacts target lacks; what the case rows count), then
 * closes source as connected to target. */
int cases_store_temporary_connect(PGconn *conn, const char *source, const char *target,
                                  char sqlstate[6]);

#endif
