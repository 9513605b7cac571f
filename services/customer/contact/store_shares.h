/* SQL of the shared documents (migrations/0006_contact.sql: shares, shares_ended_by_hand, over
 * the read model's case_documents). Results: CS_OK, or CS_ERR_DB with sqlstate (6 bytes) filled.
 * Document id lists are PostgreSQL array literals of UUIDs ("{a,b}"), checked by the caller. */
#ifndef CLAIMSUITE_CUSTOMER_STORE_SHARES_H
#define CLAIMSUITE_CUSTOMER_STORE_SHARES_H

#include <jansson.h>
#include <libpq-fe.h>

/* case_id's shared documents, newest share first: *rows new array of {document_id, type, title,
 * file_name, media_type, size, added_at, shared_at, shared_by, automatic}. */
int customer_store_shares(PGconn *conn, const char *case_id, json_t **rows, char sqlstate[6]);

/* Which of ids (array literal) are documents of case_id not deleted: *found new array of ids. */
int customer_store_documents_of_case(PGconn *conn, const char *case_id, const char *ids,
                                     json_t **found, char sqlstate[6]);

/* Shares the documents ids (array literal) of case_id that are not deleted nor shared yet, as
 * by: *added new array of {document_id, title} of those it shared. */
int customer_store_shares_add(PGconn *conn, const char *case_id, const char *ids, const char *by,
                              json_t **added, char sqlstate[6]);

/* Shares automatically, as "automatic:<setting>" (setting at most 80 bytes), the documents of
 * case_id of type that are not deleted, not shared, and never unshared by hand: *added as above. */
int customer_store_shares_auto(PGconn *conn, const char *case_id, const char *type,
                               const char *setting, json_t **added, char sqlstate[6]);

/* Ends the share of document_id in case_id: *ended new {document_id, title, portal_id}, NULL
 * when it was not shared. by (may be NULL) records an unsharing by hand, which automation
 * respects from then on. */
int customer_store_shares_end(PGconn *conn, const char *case_id, const char *document_id,
                              const char *by, json_t **ended, char sqlstate[6]);

#endif
