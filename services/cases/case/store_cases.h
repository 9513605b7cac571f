/* SQL of the case resource: rows in, documents out (case_document() builds them). */
#ifndef CLAIMSUITE_CASES_STORE_CASES_H
#define CLAIMSUITE_CASES_STORE_CASES_H

#include <jansson.h>
#include <libpq-fe.h>

/* The editable fields of a case, in the document's shape (claim_number, damage_type,
 * damage_date, address{street, postal_code, city, country, latitude, longitude},
 * case_handler_id, contacts, description, external_ref, reminder_date), already validated.
 * Borrowed. Every function: CS_OK or CS_ERR_DB with sqlstate. */

/* The insert answers the new case's document (*doc new), so no second read builds it. */
int cases_store_insert(PGconn *conn, const char *id, const char *portal_id, const char *created_by,
                       const json_t *fields, json_t **doc, char sqlstate[6]);
int cases_store_update(PGconn *conn, const char *id, const json_t *fields, char sqlstate[6]);
/* Sets status (and closed_at when closing, clears it otherwise). */
int cases_store_set_status(PGconn *conn, const char *id, const char *status, char sqlstate[6]);
/* The document of the portal's case with external_ref: *doc NULL when none. With for_update (in
 * a transaction) the row is locked, and so is the reference itself, so concurrent upserts of one
 * reference run one by one (the second finds the first's case instead of inserting again). */
int cases_store_find_external(PGconn *conn, const char *portal_id, const char *ref, int for_update,
                              json_t **doc, char sqlstate[6]);
/* History entries of a case with id > after_id, oldest first, at most limit: *items new. */
int cases_store_history(PGconn *conn, const char *case_id, long long after_id, long limit,
                        json_t **items, char sqlstate[6]);

#endif
